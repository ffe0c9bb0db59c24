/**
 * The OpenAI-compatible wire format below HTTP: the request records ({@code ChatRequest}, {@code CompletionRequest},
 * {@code ChatMessage}, {@code SamplingOptions}) and the parsers that validate bodies field by field (plus vLLM's
 * tokenize bodies and the admin promote body, read by the same rules), and {@link dev.crucible.serve.openai.ApiException},
 * OpenAI's error object, which every layer of the server fails a request with.
 *
 * <p>Uses only the runtime's request types and Jackson: no Pekko, nothing else of {@code serve}. The response
 * bodies are rendered in {@code serve.http}, since they describe what {@code serve.model} served.
 */
package dev.crucible.serve.openai;
