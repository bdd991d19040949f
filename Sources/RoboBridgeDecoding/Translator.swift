import RoboBridgeConfig
import RoboBridgeEngine

/// The result of translating one instruction.
public struct Translation: Sendable {
    /// ok, no_action, estop.
    public var outcome: String
    public var actions: [ActionCall]
    public var normalizedInstruction: String
    public var timing: Timing

    public struct Timing: Sendable, Equatable {
        public var totalMs = 0.0
        public var prefillMs = 0.0
        public var decodeMs = 0.0
        public var forwardPasses = 0
        public var tokens = 0
        public var draftTokens = 0
        public var acceptedTokens = 0
        public var forcedTokens = 0
    }
}

/// Feeds a llama.cpp context at consecutive positions and reads the logits after the last token.
struct ContextSource: LogitsSource {
    let context: Context
    let batch: Batch
    var position: Int
    var logits: [Float] = []

    mutating func append(_ tokens: [Int32]) throws {
        var start = 0
        while start < tokens.count {
            let chunk = Array(tokens[start..<min(tokens.count, start + batch.capacity)])
            batch.clear()
            try batch.add(chunk, startingAt: position, logitsAtLast: true)
            try context.decode(batch)
            position += chunk.count
            start += chunk.count
        }
        logits = try context.logits(at: batch.count - 1)
    }

    func logit(_ token: Int32) -> Float { logits[Int(token)] }
}

/// Instruction → plan, on the embedded model, valid by construction. Owns its model context (one
/// owner): use it from one task at a time. The static prompt is decoded once and kept in the KV cache.
public final class Translator {
    public let robot: Robot
    public let world: World?
    public let model: Model
    private let context: Context
    private let tokenBytes: [[UInt8]]
    private let masks: MaskCache
    private let normalizer: InstructionNormalizer
    private let stopWords: StopWordMatcher
    private let template: ChatTemplate
    private let system: [ChatMessage]
    private let prefixTokens: [Token]
    private let maxTokens: Int
    private let bank: ExampleBank
    /// Examples chosen per instruction, placed right before it.
    public let retrievedExamples: Int

    /// - Throws: `EngineError` when the context cannot be made or the prompt cannot be decoded.
    public init(model: Model, robot: Robot, world: World?, threads: Int? = nil, staticExamples: Bool = false, retrievedExamples: Int = 3) throws(EngineError) {
        self.retrievedExamples = retrievedExamples
        self.robot = robot
        self.world = world
        self.model = model
        context = try Context(model: model, options: ContextOptions(contextLength: max(2048, robot.model.contextLength), batchSize: 512,
                                                                   threads: threads ?? robot.model.threads))
        let vocab = model.vocabulary
        tokenBytes = vocab.allTokenBytes()
        let ends = Set([vocab.eos, vocab.eot].compactMap { $0 } + (0..<vocab.count).compactMap { i in
            vocab.isEndOfGeneration(Token(i)) ? Token(i) : nil
        })
        masks = MaskCache(trie: TokenTrie(tokenBytes: tokenBytes, endTokens: Array(ends).sorted()), grammar: PlanGrammar(robot: robot, world: world))
        normalizer = InstructionNormalizer(robot: robot, world: world)
        stopWords = StopWordMatcher(robot.stopWords)
        template = ChatTemplate(model: model)
        maxTokens = robot.model.maxTokens
        let prompt = PromptBuilder(robot: robot, world: world)
        bank = ExampleBank(robot: robot, world: world, normalizer: normalizer)
        var messages = [ChatMessage(.system, prompt.systemMessage)]
        if staticExamples {
            for (instruction, plan) in prompt.examples {
                messages.append(ChatMessage(.user, normalizer.normalize(instruction)))
                messages.append(ChatMessage(.assistant, plan))
            }
        }
        system = messages
        let staticText = template.format(messages, addAssistant: false)
        prefixTokens = try vocab.tokenize(staticText, addSpecial: true, parseSpecial: true)
        let batch = Batch(capacity: 512)
        var position = 0
        while position < prefixTokens.count {
            let chunk = Array(prefixTokens[position..<min(prefixTokens.count, position + 512)])
            batch.clear()
            try batch.add(chunk, startingAt: position, logitsAtLast: false)
            try context.decode(batch)
            position += chunk.count
        }
    }

    /// Tokens of the static prompt kept in the KV cache.
    public var staticPromptTokens: Int { prefixTokens.count }

    /// Translates one instruction.
    public func translate(_ instruction: String) throws -> Translation {
        let start = monotonicMilliseconds()
        var timing = Translation.Timing()
        if stopWords.matches(instruction) {
            timing.totalMs = monotonicMilliseconds() - start
            let stop = robot.action(named: robot.fallback.stopAction).map { [$0.normalized(ActionCall($0.name))] } ?? []
            return Translation(outcome: "estop", actions: stop, normalizedInstruction: instruction, timing: timing)
        }
        let normalized = normalizer.normalize(instruction)
        // The suffix: what the template adds for the new user turn and the assistant's opening.
        var turns: [ChatMessage] = []
        for e in bank.select(for: normalized, k: retrievedExamples) {
            turns.append(ChatMessage(.user, e.instruction))
            turns.append(ChatMessage(.assistant, e.plan))
        }
        let full = template.format(system + turns + [ChatMessage(.user, normalized)], addAssistant: true)
        let staticText = template.format(system, addAssistant: false)
        let suffixText = full.hasPrefix(staticText) ? String(full.dropFirst(staticText.count)) : full
        let suffix = try model.vocabulary.tokenize(suffixText, addSpecial: false, parseSpecial: true)
        context.removeTokens(from: prefixTokens.count)
        var source = ContextSource(context: context, batch: Batch(capacity: 512), position: prefixTokens.count)
        try source.append(suffix)
        let afterPrefill = monotonicMilliseconds()
        timing.prefillMs = afterPrefill - start
        let decoder = ConstrainedDecoder(masks: masks, tokenBytes: tokenBytes, maxTokens: maxTokens)
        let result = try decoder.decode(&source)
        timing.decodeMs = monotonicMilliseconds() - afterPrefill
        timing.forwardPasses = result.stats.forwardPasses + 1
        timing.tokens = result.stats.tokens
        timing.forcedTokens = result.stats.forcedTokens
        let text = String(decoding: result.bytes, as: UTF8.self)
        let calls = PlanText.parse(text, robot: robot) ?? []
        timing.totalMs = monotonicMilliseconds() - start
        return Translation(outcome: calls.isEmpty ? "no_action" : "ok", actions: calls, normalizedInstruction: normalized, timing: timing)
    }
}
