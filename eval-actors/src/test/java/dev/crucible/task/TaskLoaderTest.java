package dev.crucible.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskLoaderTest {

    @TempDir
    Path dir;

    @Test
    void zooAdditionTaskLoadsAsGenerationItems() {
        Task task = TaskLoader.load(TaskSpec.of("add", TaskFiles.zoo().resolve("add_dev.jsonl")));

        assertThat(task.kind()).isEqualTo(TaskKind.GENERATION);
        assertThat(task.metric()).isEqualTo("accuracy");
        assertThat(task.items()).hasSize(200);
        assertThat(task.items().getFirst()).isEqualTo(new GenerationItem(1, "add 20 67 =", " 87", null));
    }

    @Test
    void zooVqaImagesResolveRelativeToTheTaskFile() {
        Task task = TaskLoader.load(TaskSpec.of("vqa", TaskFiles.zoo().resolve("vqa_dev.jsonl")));

        TaskItem first = task.items().getFirst();
        assertThat(first.image()).isEqualTo(TaskFiles.zoo().resolve("vqa/img_0001.png"));
        assertThat(first.image()).isAbsolute().isRegularFile();
    }

    @Test
    void plainTextFileIsAPerplexityTaskOfItsNonBlankLines() {
        Path file = TaskFiles.write(dir, "text.txt", "the cat sat.", "", "a dog ran.");

        Task task = TaskLoader.load(TaskSpec.of("text", file));

        assertThat(task.kind()).isEqualTo(TaskKind.PERPLEXITY);
        assertThat(task.metric()).isEqualTo("perplexity");
        assertThat(task.items()).containsExactly(new TextItem(1, "the cat sat.", null), new TextItem(3, "a dog ran.", null));
    }

    @Test
    void choicesAndTextsAreRecognisedByTheirFields() {
        Path choices = TaskFiles.write(dir, "mc.jsonl", "{\"prompt\":\"sky is\",\"choices\":[\" blue\",\" green\"],\"label\":0}");
        Path texts = TaskFiles.write(dir, "ppl.jsonl", "{\"text\":\"hello\"}");

        assertThat(TaskLoader.load(TaskSpec.of("mc", choices)).items())
                .containsExactly(new ChoiceItem(1, "sky is", java.util.List.of(" blue", " green"), 0, null));
        assertThat(TaskLoader.load(TaskSpec.of("ppl", texts)).kind()).isEqualTo(TaskKind.PERPLEXITY);
    }

    @Test
    void malformedJsonNamesFileAndLine() {
        Path file = TaskFiles.write(dir, "bad.jsonl", "{\"prompt\":\"a\",\"answer\":\"b\"}", "{\"prompt\": oops}");

        assertThatThrownBy(() -> TaskLoader.load(TaskSpec.of("bad", file)))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith(file + ":2: not valid JSON");
    }

    @Test
    void mixedKindsAreRejectedAtTheFirstOddLine() {
        Path file = TaskFiles.write(dir, "mixed.jsonl", "{\"prompt\":\"a\",\"answer\":\"b\"}", "{\"text\":\"c\"}");

        assertThatThrownBy(() -> TaskLoader.load(TaskSpec.of("mixed", file)))
                .hasMessage(file + ":2: item is {text} but earlier items are {prompt, answer}; one task file holds one kind of item");
    }

    @Test
    void missingImageNamesTheLineAndTheResolvedPath() {
        Path file = TaskFiles.write(dir, "v.jsonl", "{\"image\":\"img/none.png\",\"prompt\":\"color =\",\"answer\":\" red\"}");

        assertThatThrownBy(() -> TaskLoader.load(TaskSpec.of("v", file)))
                .hasMessage(file + ":1: image img/none.png not found (looked for " + dir.resolve("img/none.png") + ")");
    }

    @Test
    void fieldProblemsNameTheField() {
        Path noAnswer = TaskFiles.write(dir, "a.jsonl", "{\"prompt\":\"x\",\"answer\":3}");
        Path badLabel = TaskFiles.write(dir, "b.jsonl", "{\"prompt\":\"x\",\"choices\":[\"a\",\"b\"],\"label\":2}");
        Path unknown = TaskFiles.write(dir, "c.jsonl", "{\"question\":\"x\"}");
        Path notObject = TaskFiles.write(dir, "d.jsonl", "[1,2]");

        assertThatThrownBy(() -> TaskLoader.load(TaskSpec.of("a", noAnswer)))
                .hasMessage(noAnswer + ":1: field 'answer' must be a string, found number");
        assertThatThrownBy(() -> TaskLoader.load(TaskSpec.of("b", badLabel)))
                .hasMessage(badLabel + ":1: label 2 is outside the 2 choices (0..1)");
        assertThatThrownBy(() -> TaskLoader.load(TaskSpec.of("c", unknown)))
                .hasMessage(unknown + ":1: expected fields {prompt, answer}, {prompt, choices, label} or {text}, found [question]");
        assertThatThrownBy(() -> TaskLoader.load(TaskSpec.of("d", notObject)))
                .hasMessage(notObject + ":1: expected a JSON object, found array");
    }

    @Test
    void emptyAndMissingFilesAreReported() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "\n\n");

        assertThatThrownBy(() -> TaskLoader.load(TaskSpec.of("e", empty)))
                .hasMessage(empty + ": no items (the task file is empty)");
        assertThatThrownBy(() -> TaskLoader.load(TaskSpec.of("m", dir.resolve("missing.jsonl"))))
                .hasMessage("task m: file " + dir.resolve("missing.jsonl") + " not found");
    }

    @Test
    void extractionIsCheckedUpFront() {
        Path texts = TaskFiles.write(dir, "t.jsonl", "{\"text\":\"hello\"}");
        Path generation = TaskFiles.write(dir, "g.jsonl", "{\"prompt\":\"x\",\"answer\":\"y\"}");

        assertThatThrownBy(() -> TaskLoader.load(new TaskSpec("t", texts, "(\\d+)", null)))
                .hasMessageContaining("--extract applies to {prompt, answer} tasks");
        assertThatThrownBy(() -> TaskLoader.load(new TaskSpec("g", generation, "(\\d+", null)))
                .hasMessageStartingWith("extract regex '(\\d+' is invalid");
    }

    @Test
    void limitAndBatchesKeepFileOrderAndTheWholeTasksLongestAnswer() {
        Task task = TaskLoader.load(TaskSpec.of("add", TaskFiles.zoo().resolve("add_dev.jsonl"))).limit(10);

        var batches = task.batches(4);

        assertThat(batches).extracting(batch -> batch.items().size()).containsExactly(4, 4, 2);
        assertThat(batches.get(2).items().getLast().line()).isEqualTo(10);
        assertThat(batches).extracting(TaskBatch::longestAnswer).containsOnly(task.longestAnswer());
        assertThat(task.longestAnswer()).hasSize(4);
    }
}
