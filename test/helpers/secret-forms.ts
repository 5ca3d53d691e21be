// How a secret may show up when it leaks: verbatim or base64/base64url-encoded inside something larger.

/** The secret, and its base64 and base64url forms at each of the three byte alignments. */
export function forms(secret: string): string[] {
  const out = [secret];
  for (const pad of ['', 'x', 'xy']) {
    const b64 = Buffer.from(pad + secret).toString('base64');
    const core = b64.slice(pad.length === 0 ? 0 : pad.length + 1, b64.length - 4);
    out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out.filter((form) => form.length >= 12);
}
