/** A write-only field sealed to the workers' key (lib/sealing.ts): a compact JWE. */
export interface SealedSecret {
  sealed: string;
}
