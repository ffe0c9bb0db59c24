package dev.crucible.merge;

import dev.crucible.fixtures.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/merge-methods.md documents every registered method and every parameter its declaration names. */
class MethodDocumentationTest {

    @Test
    void everyDeclaredMethodAndParameterIsInTheMergeMethodsNote() throws IOException {
        String doc = Files.readString(Fixtures.root().getParent().resolve("docs").resolve("merge-methods.md"));
        for (MethodDefinition method : MergeMethods.definitions()) {
            assertThat(doc).as("method %s", method.name()).contains(method.name());
            for (ParameterDefinition p : method.parameters()) {
                assertThat(doc).as("%s parameter %s", method.name(), p.name()).contains("`" + p.name() + "`");
            }
        }
    }
}
