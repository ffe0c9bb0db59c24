/**
 * Joining a Pekko Cluster: seed nodes or Kubernetes discovery through Pekko Management.
 *
 * <p>Uses Pekko and {@code eval} (the evaluators a node offers).
 */
package dev.crucible.cluster;
