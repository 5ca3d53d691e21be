/**
 * Reads an object's bytes with the JSON API's plain media download. Not `file.download()`: through
 * @google-cloud/storage, teeny-request and node-fetch each download's response body carries 11 'error'
 * and 'close' listeners (every layer pipes or watches it), one over Node's default limit, and every
 * download printed two MaxListenersExceededWarnings. Nothing leaked; the stack is just that deep.
 */
export async function downloadObject(endpoint: string, bucket: string, name: string): Promise<string> {
  return (await downloadObjectBytes(endpoint, bucket, name)).toString('utf8');
}

/** The stored bytes, as they are (a `.jsonl.gz` object's gzip; auditflow sets no Content-Encoding, so nothing inflates them). */
export async function downloadObjectBytes(endpoint: string, bucket: string, name: string): Promise<Buffer> {
  const url = `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}?alt=media`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`reading gs://${bucket}/${name}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
