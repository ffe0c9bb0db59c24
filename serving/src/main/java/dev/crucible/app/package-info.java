/**
 * {@code crucible run} (serving plus re-merge from one APP.yml) and {@code crucible worker} (a cluster node
 * offering evaluators).
 *
 * <p>Uses {@code serve}, {@code remerge}, {@code metrics} and the lower modules.
 */
package dev.crucible.app;
