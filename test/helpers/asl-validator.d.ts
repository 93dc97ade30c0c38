/**
 * Types for asl-validator (the package ships none): the validator function its `main` exports,
 * as its README and dist/src/validator.js define it.
 */
declare module 'asl-validator' {
  /** One problem found, with the validator's error code (e.g. `MISSING_TRANSITION_TARGET`). */
  export interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
    readonly [detail: string]: unknown;
  }

  /** What `validator` found. */
  export interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly AslValidationError[];
    errorsText(separator?: string): string;
  }

  /**
   * Validates an Amazon States Language definition: its JSON schema, transitions, terminal
   * states, duplicate names, payload templates; with `checkPaths` every JSONPath, with
   * `checkArn` every Task resource ARN. It sets `QueryLanguage` on each state it reads: pass a copy.
   */
  export default function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): AslValidationResult;
}
