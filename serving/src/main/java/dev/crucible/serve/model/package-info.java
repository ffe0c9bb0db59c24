/**
 * The served model: the {@link dev.crucible.serve.model.ModelServer} actor that holds the current version, leases
 * it to requests and hot-swaps it on promotion (load and validate off the actor, switch in one message, close the
 * old one when its last lease is returned), and the records that describe versions, leases and promotions.
 *
 * <p>Uses {@code serve.template}, {@code metrics} and the runtime; knows nothing of HTTP or the OpenAI format.
 */
package dev.crucible.serve.model;
