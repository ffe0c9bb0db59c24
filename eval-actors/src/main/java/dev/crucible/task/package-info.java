/**
 * Evaluation tasks from JSONL files (exact match, multiple choice, perplexity, images), their scorers and
 * confidence intervals.
 *
 * <p>Uses {@code runtime} (the request types scorers send) and {@code error}.
 */
package dev.crucible.task;
