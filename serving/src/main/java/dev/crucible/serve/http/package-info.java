/**
 * The HTTP face of the server (Pekko HTTP): the routes (OpenAI-compatible completions and chat with
 * Server-Sent Events, models, tokenization, probes, metrics, promotion), reading bodies, OpenAI-shaped
 * response and error bodies, the admin bearer-token check, CORS, the connection guard and request metrics
 * taken when the last byte is sent.
 *
 * <p>Uses {@code serve.inference}, {@code serve.model}, {@code serve.openai}, {@code metrics}, the runtime, and
 * from {@code serve} only the settings record {@link dev.crucible.serve.ServeConfig}. Nothing else in
 * {@code serve} depends on it except the wiring; {@code remerge} uses its auth check and error responses.
 */
package dev.crucible.serve.http;
