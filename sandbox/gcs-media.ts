/**
 * Reads an object's bytes with the JSON API's plain media download. Not `file.download()`: through
 * @google-cloud/storage, teeny-request and node-fetch each download's response body carries 11 'error'
 * and 'close' listeners (every layer pipes or watches it), one over Node's default limit, and every
 * download printed two MaxListenersExceededWarnings. Nothing leaked; the stack is just that deep.
 */
export async function downloadObject(endpoint: string, bucket: string, name: string): Promise<string> {
  const url = `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}?alt=media`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`reading gs://${bucket}/${name}: HTTP ${response.status}`);
  return response.text();
}
