package dev.crucible.serve;

import org.apache.pekko.http.javadsl.server.Route;

/**
 * What a process adds to the inference server ({@code crucible run} adds re-merging): routes tried
 * before the serving API's, and background work to stop as soon as the server stops accepting requests.
 *
 * @param route         tried first; what it rejects goes on to the serving API
 * @param stopAccepting run when shutdown begins, before in-flight requests drain and the models close
 */
public record ServerExtension(Route route, Runnable stopAccepting) {
}
