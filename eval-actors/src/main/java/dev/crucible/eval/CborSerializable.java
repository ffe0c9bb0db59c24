package dev.crucible.eval;

/**
 * Marker for messages that cross cluster nodes; bound to Pekko's jackson-cbor serializer in
 * this module's reference.conf.
 */
public interface CborSerializable {
}
