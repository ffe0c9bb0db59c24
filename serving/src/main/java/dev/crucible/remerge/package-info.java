/**
 * The re-merge service: watching for new bases, waiting until a checkpoint is complete, merging and scoring a
 * candidate, the gates, promotion, history and rollback, and the state that survives restarts.
 *
 * <p>Uses {@code serve}, {@code metrics} and the lower modules.
 */
package dev.crucible.remerge;
