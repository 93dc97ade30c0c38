/** Errors shared by every part of the bridge that are not about one adapter. */

/** Configuration is missing or wrong; the message names the variable or key and what was expected. */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
