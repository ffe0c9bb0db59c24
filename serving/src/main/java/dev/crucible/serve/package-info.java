/**
 * {@code crucible serve}: the command ({@link dev.crucible.serve.ServeCommand}), its settings
 * ({@link dev.crucible.serve.ServeConfig}, {@link dev.crucible.serve.AdminTokens}) and the wiring that starts the
 * actor system, the model server and the HTTP binding and drains them on shutdown
 * ({@link dev.crucible.serve.CrucibleServer}).
 *
 * <p>The parts live in subpackages, each using only those below it: {@code serve.openai} (the wire format and
 * its error), {@code serve.template} (chat templates), {@code serve.model} (the served model and its
 * hot swap), {@code serve.inference} (one request against the model: admission, deadlines, batching) and
 * {@code serve.http} (routes and everything HTTP). This package may use all of them, {@code metrics} and the
 * eval-actors runtime.
 */
package dev.crucible.serve;
