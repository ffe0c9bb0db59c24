package dev.crucible.remerge;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.crucible.error.CrucibleException;
import dev.crucible.files.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the re-merge service keeps in {@code state_dir} so that it survives a restart:
 * {@code history.jsonl} (one decision a line, append only), {@code champions.json} (the champion and
 * the ones before it, for rollback; rewritten atomically), {@code announced.jsonl} (bases announced over
 * HTTP, so a restart still processes them), {@code failed.jsonl} (bases whose re-merge failed, with the
 * fingerprint of their files, so a restart does not try an unchanged broken base again) and
 * {@code candidates/} (merged models).
 * A candidate whose merge or evaluation was interrupted (kill -9, or SIGTERM, which records it as
 * {@link Decision#INTERRUPTED}) has no decision, so its base is merged again after a restart, and
 * {@link #open} deletes its folder; the champion list is written only after the server switched, so
 * nothing is ever half-promoted.
 */
public final class RemergeState {

    private static final Pattern CANDIDATE_ID = Pattern.compile("c(\\d{4,})-.*");
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;
    private final Path history;
    private final Path champions;
    private final Path announced;
    private final Path failed;
    private final Path candidates;
    private int lastCandidate;
    private final List<String> removedOnOpen = new ArrayList<>();

    private RemergeState(Path dir) {
        this.dir = dir;
        this.history = dir.resolve("history.jsonl");
        this.champions = dir.resolve("champions.json");
        this.announced = dir.resolve("announced.jsonl");
        this.failed = dir.resolve("failed.jsonl");
        this.candidates = dir.resolve("candidates");
    }

    /**
     * Opens (creating) {@code stateDir} and reconciles it with the history: removes staging folders a
     * crashed merge left behind, and candidate folders no decision refers to (a merge or evaluation
     * that a crash or SIGTERM cut short; their bases are merged again).
     */
    public static RemergeState open(Path stateDir) {
        RemergeState state = new RemergeState(stateDir.toAbsolutePath().normalize());
        try {
            Files.createDirectories(state.candidates);
        } catch (IOException e) {
            throw new CrucibleException("state_dir: cannot create " + state.candidates + " (" + e.getMessage() + ")", e);
        }
        state.removeStaging();
        state.lastCandidate = state.highestCandidateNumber();
        state.removeUndecidedCandidates();
        return state;
    }

    /** The champion stored in {@code stateDir}, read without touching anything (to say what a start will do). */
    public static Optional<Champion> storedChampion(Path stateDir) {
        return new RemergeState(stateDir.toAbsolutePath().normalize()).champion();
    }

    /** Candidate folders that {@link #open} removed because no decision refers to them. */
    public synchronized List<String> removedOnOpen() {
        return List.copyOf(removedOnOpen);
    }

    public Path dir() {
        return dir;
    }

    /** Every decision so far, oldest first. */
    public synchronized List<HistoryEntry> history() {
        return readLines(history, HistoryEntry.class);
    }

    /** Appends one decision; flushed to disk before returning. */
    public synchronized void append(HistoryEntry entry) {
        appendLine(history, entry);
    }

    /** The champion now, if one was ever promoted. */
    public synchronized Optional<Champion> champion() {
        List<Champion> all = champions();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /** Every champion still reachable by rollback, oldest first; the last one serves. */
    public synchronized List<Champion> champions() {
        if (!Files.exists(champions)) {
            return List.of();
        }
        try {
            return JSON.readValue(champions.toFile(), new TypeReference<List<Champion>>() {});
        } catch (IOException e) {
            throw new CrucibleException(champions + ": unreadable champion list (" + e.getMessage()
                    + "); restore it or remove it to rebuild the champion from initial_base", e);
        }
    }

    /** Makes {@code next} the champion, keeping the old one for rollback. */
    public synchronized void pushChampion(Champion next) {
        List<Champion> all = new ArrayList<>(champions());
        all.add(next);
        writeChampions(all);
    }

    /** Drops the current champion and returns the one before it, or empty when there is none to return to. */
    public synchronized Optional<Champion> popChampion() {
        List<Champion> all = new ArrayList<>(champions());
        if (all.size() < 2) {
            return Optional.empty();
        }
        all.removeLast();
        writeChampions(all);
        return Optional.of(all.getLast());
    }

    /** Remembers a base announced over HTTP so that a restart still processes it. */
    public synchronized void recordAnnouncement(Path base) {
        appendLine(announced, base.toString());
    }

    /** Remembers that a base's re-merge failed, and the fingerprint of its files then. */
    public synchronized void recordFailure(FailedBase base) {
        appendLine(failed, base);
    }

    /** The latest failure of every base that ever failed, by base. */
    public synchronized Map<String, FailedBase> failures() {
        Map<String, FailedBase> latest = new LinkedHashMap<>();
        readLines(failed, FailedBase.class).forEach(f -> latest.put(f.base(), f));
        return latest;
    }

    /** Bases announced over HTTP, in order. */
    public synchronized List<Path> announcements() {
        return readLines(announced, String.class).stream().map(Path::of).toList();
    }

    /**
     * Bases whose candidate was promoted or rejected (or serves): they are not merged again. A base whose
     * re-merge failed or was interrupted is not among them ({@link #failures()} says which failed ones
     * to leave alone).
     */
    public synchronized Set<String> decidedBases() {
        Set<String> bases = new HashSet<>();
        for (HistoryEntry e : history()) {
            if (e.decision() != Decision.ROLLED_BACK && e.decision() != Decision.FAILED
                    && e.decision() != Decision.INTERRUPTED && e.base() != null) {
                bases.add(e.base());
            }
        }
        champions().forEach(c -> bases.add(c.base()));
        return bases;
    }

    /** A fresh candidate id naming its base, e.g. {@code c0004-base-v2}. */
    public synchronized String nextCandidateId(Path base) {
        lastCandidate++;
        String name = base.getFileName() == null ? "base" : base.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
        return String.format("c%04d-%s", lastCandidate, name);
    }

    /** Where the candidate {@code id} is merged to. */
    public Path candidateDir(String id) {
        return candidates.resolve(id);
    }

    private void writeChampions(List<Champion> all) {
        try {
            AtomicFile.write(champions, out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, all));
        } catch (IOException e) {
            throw new CrucibleException(champions + ": cannot write the champion list (" + e.getMessage() + ")", e);
        }
    }

    private static void appendLine(Path file, Object value) {
        try {
            String line = JSON.writeValueAsString(value) + "\n";
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot append (" + e.getMessage() + ")", e);
        }
    }

    private static <T> List<T> readLines(Path file, Class<T> type) {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<T> out = new ArrayList<>();
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line : (Iterable<String>) lines::iterator) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.add(JSON.readValue(line, type));
                } catch (IOException e) {
                    // A crash can cut the last line short; everything before it is intact and is kept.
                    if (!isLastLine(file, number)) {
                        throw new CrucibleException(file + ":" + number + ": unreadable line (" + e.getMessage() + ")", e);
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw new CrucibleException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return out;
    }

    private static boolean isLastLine(Path file, int number) throws IOException {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.count() == number;
        }
    }

    private void removeStaging() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(candidates, ".*.tmp-*")) {
            for (Path staging : entries) {
                deleteTree(staging);
            }
        } catch (IOException e) {
            throw new CrucibleException(candidates + ": cannot clean up interrupted merges (" + e.getMessage() + ")", e);
        }
    }

    private void removeUndecidedCandidates() {
        Set<Path> referenced = new HashSet<>();
        champions().forEach(c -> referenced.add(Path.of(c.dir()).toAbsolutePath().normalize()));
        for (HistoryEntry e : history()) {
            if (e.candidate() != null && e.decision() != Decision.INTERRUPTED) {
                referenced.add(Path.of(e.candidate()).toAbsolutePath().normalize());
            }
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(candidates)) {
            for (Path p : entries) {
                if (Files.isDirectory(p) && !referenced.contains(p.toAbsolutePath().normalize())) {
                    deleteTree(p);
                    removedOnOpen.add(p.toString());
                }
            }
        } catch (IOException e) {
            throw new CrucibleException(candidates + ": cannot remove undecided candidates (" + e.getMessage() + ")", e);
        }
    }

    private int highestCandidateNumber() {
        int highest = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(candidates)) {
            for (Path p : entries) {
                highest = Math.max(highest, number(p.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new CrucibleException(candidates + ": cannot list (" + e.getMessage() + ")", e);
        }
        for (HistoryEntry e : history()) {
            highest = Math.max(highest, number(e.id()));
        }
        return highest;
    }

    private static int number(String id) {
        Matcher m = CANDIDATE_ID.matcher(id == null ? "" : id);
        return m.matches() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** Deletes a folder tree (an interrupted or replaced candidate). */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
