package dev.crucible.tokenizer;

import dev.crucible.error.CrucibleException;
import dev.crucible.recipe.EmbeddingSource;
import dev.crucible.recipe.TokenEmbedding;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one vocab-indexed tensor (token embedding or output head) of every model is laid out in the output
 * vocabulary before the merge method sees it: mergekit's {@code PermutedEmbeddings}
 * ({@code mergekit/tokenizer/embed.py}).
 *
 * <p>Each model keeps its own row for every output token it has (unless the token is {@code force}d); a token it
 * lacks gets a default row: the configured source ({@code tokenizer.tokens}), else the only model that has the token,
 * else the base model's row when the base has it, else the mean of the rows of the models that have it. A token no
 * model of the tensor has gets zeros. Rows past the vocabulary ({@code pad_to_multiple_of}) get the mean of the
 * model's first {@code vocab} rows. Decisions are taken here, at plan time; {@link #apply} only copies rows.
 *
 * <p>Deliberate differences: a {@code {kind: zero}} source, and a token no model of the tensor has, write zeros (the
 * evident intent; mergekit's {@code compute_default_embedding} raises UnboundLocalError there), and sums run in
 * double precision (mergekit sums in the merge dtype).
 */
public final class EmbeddingPermutation {

    private static final int NONE = 0;
    private static final int ZERO = 1;
    private static final int ROW = 2;
    private static final int AVERAGE = 3;

    private final String tensorName;
    private final int vocabRows;
    private final int rows;
    private final List<String> models;
    private final Map<String, int[]> permutations;
    private final boolean[] forced;
    private final int[] kind;
    private final int[] sourceModel;
    private final int[] sourceRow;

    /**
     * Decides every default row.
     *
     * @param tensorName   the output tensor, for messages
     * @param vocabulary   the output vocabulary
     * @param models       the models whose tensor is merged (base first when there is one), each once
     * @param baseModel    the recipe's base_model when it is among {@code models}, else null
     * @param tokens       the recipe's {@code tokenizer.tokens}
     * @param tensorRows   per model, the rows of its stored tensor
     * @param extra        more models to lay out with the same defaults (the rebase target), or empty
     */
    public EmbeddingPermutation(String tensorName, OutputVocabulary vocabulary, List<String> models, String baseModel,
                                Map<String, TokenEmbedding> tokens, Map<String, Long> tensorRows, List<String> extra) {
        this.tensorName = tensorName;
        this.vocabRows = vocabulary.size();
        this.rows = vocabulary.rows();
        this.models = List.copyOf(models);
        this.permutations = new LinkedHashMap<>();
        for (String m : models) {
            permutations.put(m, permutation(vocabulary, m));
        }
        for (String m : extra) {
            permutations.put(m, permutation(vocabulary, m));
        }
        this.forced = new boolean[vocabRows];
        this.kind = new int[vocabRows];
        this.sourceModel = new int[vocabRows];
        this.sourceRow = new int[vocabRows];
        for (Map.Entry<String, Integer> e : vocabulary.vocab().entrySet()) {
            String token = e.getKey();
            int id = e.getValue();
            TokenEmbedding configured = tokens.get(token);
            if (configured != null) {
                forced[id] = configured.force();
                configure(vocabulary, token, id, configured.source(), tensorRows);
                continue;
            }
            int present = 0;
            int donor = -1;
            for (int i = 0; i < this.models.size(); i++) {
                if (permutations.get(this.models.get(i))[id] >= 0) {
                    present++;
                    donor = donor < 0 ? i : donor;
                }
            }
            if (present == 1) {
                setRow(id, donor, permutations.get(this.models.get(donor))[id]);
            } else if (present == 0) {
                kind[id] = ZERO;
            } else if (baseModel != null && permutations.get(baseModel)[id] >= 0) {
                setRow(id, this.models.indexOf(baseModel), permutations.get(baseModel)[id]);
            } else {
                kind[id] = AVERAGE;
            }
        }
    }

    /** Output rows: the vocabulary size, padded. */
    public int rows() {
        return rows;
    }

    /** Every model this lays out (the merged models, then any extra). */
    public List<String> laidOut() {
        return List.copyOf(permutations.keySet());
    }

    /**
     * The tensors of {@link #laidOut()} models (row-major {@code [rows, hidden]} as stored) laid out in the output
     * vocabulary: {@code [rows(), hidden]} each.
     */
    public Map<String, float[]> apply(Map<String, float[]> values, Map<String, long[]> shapes) {
        int hidden = -1;
        for (String m : permutations.keySet()) {
            long[] s = shapes.get(m);
            if (s == null || s.length != 2) {
                throw new CrucibleException(tensorName + ": " + m + " has no 2-D tensor to lay out in the output "
                        + "vocabulary (shape " + Arrays.toString(s) + ")");
            }
            if (hidden >= 0 && s[1] != hidden) {
                throw new CrucibleException(tensorName + ": embedding sizes differ (" + m + " has " + s[1] + ", "
                        + "others " + hidden + ")");
            }
            hidden = Math.toIntExact(s[1]);
        }
        int h = hidden;
        double[][] defaults = new double[vocabRows][];
        for (int id = 0; id < vocabRows; id++) {
            switch (kind[id]) {
                case ROW -> {
                    String m = models.get(sourceModel[id]);
                    defaults[id] = toDouble(row(values.get(m), shapes.get(m), sourceRow[id], m), h);
                }
                case AVERAGE -> {
                    double[] sum = new double[h];
                    int count = 0;
                    for (String m : models) {
                        int r = permutations.get(m)[id];
                        if (r >= 0) {
                            float[] v = values.get(m);
                            int off = checkedOffset(r, shapes.get(m), m, h);
                            for (int c = 0; c < h; c++) {
                                sum[c] += v[off + c];
                            }
                            count++;
                        }
                    }
                    for (int c = 0; c < h; c++) {
                        sum[c] /= count;
                    }
                    defaults[id] = sum;
                }
                default -> defaults[id] = null;
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : permutations.entrySet()) {
            String m = e.getKey();
            int[] p = e.getValue();
            float[] src = values.get(m);
            float[] dst = new float[Math.multiplyExact(rows, h)];
            for (int id = 0; id < vocabRows; id++) {
                if (p[id] >= 0 && !forced[id]) {
                    System.arraycopy(src, checkedOffset(p[id], shapes.get(m), m, h), dst, id * h, h);
                } else if (defaults[id] != null) {
                    for (int c = 0; c < h; c++) {
                        dst[id * h + c] = (float) defaults[id][c];
                    }
                }
            }
            if (rows > vocabRows) {
                // As mergekit (after https://nlp.stanford.edu/~johnhew/vocab-expansion.html): padding rows are the mean.
                double[] mean = new double[h];
                for (int id = 0; id < vocabRows; id++) {
                    for (int c = 0; c < h; c++) {
                        mean[c] += dst[id * h + c];
                    }
                }
                for (int id = vocabRows; id < rows; id++) {
                    for (int c = 0; c < h; c++) {
                        dst[id * h + c] = (float) (mean[c] / vocabRows);
                    }
                }
            }
            out.put(m, dst);
        }
        return out;
    }

    private void configure(OutputVocabulary vocabulary, String token, int id, EmbeddingSource source,
                           Map<String, Long> tensorRows) {
        String field = "tokenizer.tokens." + token + ".source";
        switch (source) {
            case EmbeddingSource.Zero z -> kind[id] = ZERO;
            case EmbeddingSource.FromModel f -> {
                int i = requireModel(field, f.model());
                int r = permutations.get(f.model())[id];
                if (r < 0) {
                    throw new CrucibleException(field + ": " + f.model() + " has no token '" + token
                            + "'; name a model that has it, or use {kind: model_token, model: ..., token: ...}");
                }
                setRow(id, i, r);
            }
            case EmbeddingSource.ModelToken t -> {
                int i = requireModel(field, t.model());
                int r;
                if (t.tokenId() != null) {
                    r = t.tokenId();
                } else {
                    Map<String, Integer> original = vocabulary.originalVocabs().get(t.model());
                    if (original == null) {
                        throw new CrucibleException(field + ".model: " + t.model() + " has no tokenizer.json to look "
                                + "up '" + t.token() + "' in; give token_id instead");
                    }
                    Integer found = original.get(t.token());
                    if (found == null) {
                        throw new CrucibleException(field + ".token: '" + t.token() + "' is not in " + t.model()
                                + "'s tokenizer");
                    }
                    r = found;
                }
                long available = tensorRows.getOrDefault(t.model(), 0L);
                if (r >= available) {
                    throw new CrucibleException(field + ": token id " + r + " is out of range for " + t.model()
                            + " (" + tensorName + " has " + available + " rows)");
                }
                setRow(id, i, r);
            }
        }
    }

    private int requireModel(String field, String model) {
        int i = models.indexOf(model);
        if (i < 0) {
            throw new CrucibleException(field + ": '" + model + "' is not one of the models merged into "
                    + tensorName + " (" + String.join(", ", models) + ")");
        }
        return i;
    }

    private void setRow(int id, int model, int row) {
        kind[id] = ROW;
        sourceModel[id] = model;
        sourceRow[id] = row;
    }

    private static int[] permutation(OutputVocabulary vocabulary, String model) {
        int[] p = vocabulary.permutations().get(model);
        if (p == null) {
            throw new IllegalArgumentException("no permutation for " + model);
        }
        return p;
    }

    private int checkedOffset(int row, long[] shape, String model, int hidden) {
        if (row >= shape[0]) {
            throw new CrucibleException(tensorName + ": " + model + " has " + shape[0] + " rows but its tokenizer "
                    + "puts a token at row " + row + "; the model's config vocab_size and tensor disagree");
        }
        return row * hidden;
    }

    private float[] row(float[] values, long[] shape, int row, String model) {
        int h = Math.toIntExact(shape[1]);
        int off = checkedOffset(row, shape, model, h);
        return Arrays.copyOfRange(values, off, off + h);
    }

    private static double[] toDouble(float[] v, int h) {
        double[] out = new double[h];
        for (int c = 0; c < h; c++) {
            out[c] = v[c];
        }
        return out;
    }
}
