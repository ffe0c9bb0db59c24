/**
 * The OpenAI-style HTTP API (Pekko HTTP): routes, request parsing and responses, chat templates, admission
 * control and deadlines, and the {@link dev.crucible.serve.ModelServer} actor that holds and hot-swaps the served
 * model; {@code crucible serve}.
 *
 * <p>Uses {@code metrics} and the eval-actors runtime.
 */
package dev.crucible.serve;
