package dev.crucible.remerge;

import java.time.Instant;

/**
 * A base whose re-merge failed, as {@code state_dir/failed.jsonl} keeps it: it is tried again when its
 * files change ({@link FolderFingerprint}) or it is announced again, never merely because of a restart.
 *
 * @param base        the base folder
 * @param fingerprint its files when the attempt started
 * @param reason      why it failed
 * @param at          when
 */
public record FailedBase(String base, String fingerprint, String reason, Instant at) {}
