import RoboBridgeEngine

/// Feeds one sequence of a llama.cpp context at consecutive positions; reads logits in place.
package struct ContextSource: LogitsSource {
    /// The sequence of the companion token of single-token batches (see `append`).
    package static let scratch: Int32 = 2

    let context: Context
    let batch: Batch
    let sequence: Int32
    package var position: Int
    /// The logits of the last batch, by row (nil: not asked for).
    private var rows: [UnsafePointer<Float>?] = []
    /// The last row of the last batch.
    package private(set) var lastRow = 0

    package init(context: Context, batch: Batch, sequence: Int32, position: Int) {
        self.context = context
        self.batch = batch
        self.sequence = sequence
        self.position = position
    }

    package mutating func append(_ tokens: [Int32], logitsAt wanted: [Int]) throws {
        batch.clear()
        var marks = [Bool](repeating: false, count: tokens.count)
        for r in wanted { marks[r] = true }
        for (k, t) in tokens.enumerated() { try batch.add(t, position: position + k, sequences: [sequence], logits: marks[k]) }
        // A lone token gets a companion in a scratch sequence: llama.cpp's CPU flash attention splits
        // the KV cache across threads for a single query row when the cache spans 512 cells or more,
        // which sums in another order than for two or more rows. The companion keeps every batch on
        // one path, so a token's logits do not depend on how tokens were batched (lossless speculation).
        let padded = tokens.count == 1
        if padded { try batch.add(tokens[0], position: 0, sequences: [Self.scratch], logits: false) }
        defer { if padded { context.removeTokens(sequence: Self.scratch, from: 0) } }
        try context.decode(batch)
        position += tokens.count
        lastRow = tokens.count - 1
        rows = try marks.indices.map { marks[$0] ? try context.logitsPointer(at: $0) : nil }
    }

    package func logit(_ token: Int32, row: Int) -> Float { rows[row]![Int(token)] }

    package mutating func rollback(_ count: Int) throws {
        guard count > 0 else { return }
        position -= count
        context.removeTokens(sequence: sequence, from: position)
    }
}
