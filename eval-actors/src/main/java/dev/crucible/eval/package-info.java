/**
 * Evaluator actors (Pekko Typed): each owns one model and scores batches on a blocking dispatcher; a pool spreads
 * batches over local or cluster evaluators and re-dispatches those of a lost one; {@code crucible eval}.
 *
 * <p>Uses {@code runtime}, {@code task} and the pipeline module.
 */
package dev.crucible.eval;
