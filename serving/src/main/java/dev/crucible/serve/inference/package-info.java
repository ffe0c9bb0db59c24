/**
 * One request against the served model, independent of HTTP: {@link dev.crucible.serve.inference.InferenceService}
 * leases the model, checks the prompt against it ({@link dev.crucible.serve.inference.PromptBudget}), waits for a
 * slot ({@link dev.crucible.serve.inference.AdmissionControl}), generates (batched or streamed) within the request's
 * {@link dev.crucible.serve.inference.Deadline}, and maps every failure to its OpenAI error.
 *
 * <p>Uses {@code serve.model}, {@code serve.openai}, {@code metrics} and the runtime.
 */
package dev.crucible.serve.inference;
