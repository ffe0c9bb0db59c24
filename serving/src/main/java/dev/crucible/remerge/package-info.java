/**
 * The re-merge service ({@link dev.crucible.remerge.RemergeService}): bases waiting until their checkpoint is
 * complete ({@link dev.crucible.remerge.BaseWatcher}), the merge, evaluate and decide flow with the gates
 * ({@link dev.crucible.remerge.CandidateFlow}), the champion's start, rollback and promotion by hand
 * ({@link dev.crucible.remerge.Champions}), history and the state that survives restarts
 * ({@link dev.crucible.remerge.RemergeState}), and the admin routes ({@link dev.crucible.remerge.RemergeRoutes}).
 *
 * <p>Uses {@code serve.model} (to switch the served model), {@code serve.http} (the admin bearer check and error
 * responses the serving routes use), {@code serve.openai} (the error object), {@code metrics}, {@code app}'s
 * configuration and metrics, and the lower modules.
 */
package dev.crucible.remerge;
