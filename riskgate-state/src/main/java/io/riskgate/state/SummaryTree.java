package io.riskgate.state;

/**
 * Summaries over runs of consecutive chunks of a large record: a segment tree over chunk indices,
 * each node holding, per column, what its chunks hold (members, values, sum, min, max, first and
 * last value). A window over many whole chunks then costs a logarithmic number of nodes. Nodes are
 * recomputed from their children, never adjusted by subtraction; the tree is rebuilt when chunks
 * are dropped or inserted before the last one.
 */
final class SummaryTree {
  private final int cols;
  private final int leaves;
  final long[] members;
  final long[] valued;
  final double[] sum;
  final double[] min;
  final double[] max;
  final double[] first;
  final double[] last;

  private SummaryTree(int cols, int leaves) {
    this.cols = cols;
    this.leaves = leaves;
    int n = 2 * leaves * cols;
    members = new long[n];
    valued = new long[n];
    sum = new double[n];
    min = new double[n];
    max = new double[n];
    first = new double[n];
    last = new double[n];
  }

  /**
   * A tree over the chunks, with room for up to twice as many: {@code old} is refilled when it is
   * for the same columns and its size still fits, so that a busy record rebuilding its tree as its
   * oldest chunks leave does not allocate.
   */
  static SummaryTree build(SummaryTree old, Chunk[] chunks, int nchunks, int cols) {
    int leaves = Integer.highestOneBit(Math.max(1, nchunks * 2 - 1)) * 2;
    SummaryTree t = old != null && old.cols == cols && old.leaves >= nchunks && old.leaves <= leaves * 2
        ? old : new SummaryTree(cols, leaves);
    for (int k = 0; k < nchunks; k++) {
      t.setLeaf(k, chunks[k]);
    }
    for (int k = nchunks; k < t.leaves; k++) {
      t.clearLeaf(k);
    }
    for (int node = t.leaves - 1; node >= 1; node--) {
      t.combine(node);
    }
    return t;
  }

  /** Empties leaf k (a chunk that left) and recomputes its ancestors. */
  void clear(int k) {
    clearLeaf(k);
    for (int node = (leaves + k) >>> 1; node >= 1; node >>>= 1) {
      combine(node);
    }
  }

  private void clearLeaf(int k) {
    int base = (leaves + k) * cols;
    for (int c = 0; c < cols; c++) {
      members[base + c] = 0;
      valued[base + c] = 0;
      sum[base + c] = 0;
    }
  }

  /** Whether chunk index k has a leaf. */
  boolean fits(int k) {
    return k < leaves;
  }

  /** Recomputes chunk k's leaf and its ancestors. */
  void update(int k, Chunk ch) {
    setLeaf(k, ch);
    for (int node = (leaves + k) >>> 1; node >= 1; node >>>= 1) {
      combine(node);
    }
  }

  private void setLeaf(int k, Chunk ch) {
    int base = (leaves + k) * cols;
    if (ch.summarized()) {
      System.arraycopy(ch.members, 0, members, base, cols);
      System.arraycopy(ch.valued, 0, valued, base, cols);
      System.arraycopy(ch.sum, 0, sum, base, cols);
      System.arraycopy(ch.min, 0, min, base, cols);
      System.arraycopy(ch.max, 0, max, base, cols);
      System.arraycopy(ch.first, 0, first, base, cols);
      System.arraycopy(ch.last, 0, last, base, cols);
      return;
    }
    Chunk.summarize(ch, members, valued, sum, min, max, first, last, base);
  }

  private void combine(int node) {
    int at = node * cols;
    int l = 2 * node * cols;
    int r = (2 * node + 1) * cols;
    for (int c = 0; c < cols; c++) {
      members[at + c] = members[l + c] + members[r + c];
      valued[at + c] = valued[l + c] + valued[r + c];
      sum[at + c] = sum[l + c] + sum[r + c];
      boolean left = valued[l + c] > 0;
      boolean right = valued[r + c] > 0;
      min[at + c] = !left ? min[r + c] : !right ? min[l + c] : Math.min(min[l + c], min[r + c]);
      max[at + c] = !left ? max[r + c] : !right ? max[l + c] : Math.max(max[l + c], max[r + c]);
      first[at + c] = left ? first[l + c] : first[r + c];
      last[at + c] = right ? last[r + c] : last[l + c];
    }
  }

  /** Visits, in order, the nodes that exactly cover chunks [a, b]. */
  void cover(int a, int b, java.util.function.IntConsumer node) {
    cover(1, 0, leaves - 1, a, b, node);
  }

  private void cover(int node, int lo, int hi, int a, int b, java.util.function.IntConsumer visit) {
    if (b < lo || hi < a) {
      return;
    }
    if (a <= lo && hi <= b) {
      visit.accept(node * cols);
      return;
    }
    int mid = (lo + hi) >>> 1;
    cover(2 * node, lo, mid, a, b, visit);
    cover(2 * node + 1, mid + 1, hi, a, b, visit);
  }
}
