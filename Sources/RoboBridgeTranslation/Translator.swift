import RoboBridgeDecoding
import RoboBridgeConfig
import RoboBridgeEngine

/// The result of translating one instruction.
/// Why an instruction could not be translated at all.
public struct TranslationError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// Longer than the robot's `limits.max_instruction_length`.
        case instructionTooLong
    }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

public struct Translation: Sendable {
    /// ok, no_action, estop.
    public var outcome: String
    public var actions: [ActionCall]
    public var normalizedInstruction: String
    public var timing: Timing
    /// False when the token budget ran out before the plan could end (the plan holds its complete calls).
    public var finished = true
    /// Why, for a person, where the outcome is a refusal (nil: none given).
    public var reason: String?
    /// The plans the lexicon read in the instruction's words (the decoding guide), for diagnostics.
    public var readings: [[ActionCall]] = []

    public struct Timing: Sendable, Equatable {
        public var totalMs = 0.0
        /// Normalizing, retrieval, grounding and the lexicon parse, before the model's first pass.
        public var prepareMs = 0.0
        /// The model's first forward pass (the instruction's turn and the first draft).
        public var prefillMs = 0.0
        /// The model's later passes, with the masks and drafts between them.
        public var decodeMs = 0.0
        /// Of `decodeMs`, the time in the model's passes (the rest: masks, drafts, choices, rollbacks).
        public var laterPassesMs = 0.0
        /// After decoding: parsing the plan, the limit check and the second safety check.
        public var checkMs = 0.0
        public var forwardPasses = 0
        public var tokens = 0
        public var draftTokens = 0
        public var acceptedTokens = 0
        public var forcedTokens = 0
        /// Tokens of the instruction's own turn decoded before the plan.
        public var promptTokens = 0
        /// Per drafter: drafts, tokens proposed and accepted (empty without speculation).
        public var drafters: [(String, DrafterStats)] = []

        public static func == (a: Timing, b: Timing) -> Bool {
            a.totalMs == b.totalMs && a.forwardPasses == b.forwardPasses && a.tokens == b.tokens && a.draftTokens == b.draftTokens
                && a.acceptedTokens == b.acceptedTokens && a.forcedTokens == b.forcedTokens && a.promptTokens == b.promptTokens
        }
    }
}

/// Instruction → plan, on the embedded model, valid by construction. Owns its model context (one
/// owner): use it from one task at a time.
///
/// The KV cache holds, decoded once in sequence 0: the system prompt, then every example of the bank
/// as its own segment (a user turn and the assistant's plan). Per instruction, sequence 1 is made to
/// see the system prompt and the examples retrieved for it (their cells are shared, not recomputed),
/// and only the instruction's own turn is decoded. Examples thus cost nothing per instruction.
public final class Translator {
    public let robot: Robot
    /// The world translations are grounded in: the file's, or the one last given to `update(world:)`.
    public private(set) var world: World?
    /// The world of the system prompt (decoded once, kept in the KV cache).
    public let baseWorld: World?
    public let model: Model
    private let context: Context
    private let tokenBytes: [[UInt8]]
    private var masks: MaskCache
    private let trie: TokenTrie
    /// Masks of grammars grounded in what instructions mention, by grounding (a few dozen kept).
    private var grounded: [GrammarKey: MaskCache] = [:]
    private var groundedOrder: [GrammarKey] = []

    /// What a grammar is compiled for besides the robot: the entities of each class, and the actions the
    /// robot's state rules out as a plan's first call.
    struct GrammarKey: Hashable {
        var entities: [String: [String]]
        var notFirst: [Int]
    }
    /// Whether the most similar example is decoded right before the instruction (more accurate, about
    /// 30 more prompt tokens) rather than seen in the cache like the others.
    public var decodesNearestExample = false
    /// Logit bonus for tokens that continue a plan the lexicon parser found in the instruction's own
    /// words (0 = off). Applied alike with and without speculation.
    public var guideBonus: Float = 20
    /// Requests that name nothing of the robot (no entity, number or action word) are guided to "none".
    public var guidesUnrelatedToNone = true
    /// Refuse (no_action, with the reason) a request that names something the world lacks or asks for a kind of
    /// action the robot lacks, whatever plan the model found for it.
    public var refusesMissing = true
    private var refusals: Refusals
    /// The robot as the grammar sees it: numbers may go past the file's limits, so that a request beyond a limit
    /// decodes as what it asks ("take off to 100 m" → takeoff(100)) and is refused naming the limit, instead of
    /// being turned into another action or a number that fits. Nothing out of range is ever returned as a plan.
    private let decodingRobot: Robot
    /// A tool set (OpenAI functions, no world): requests are shown to the model as written, and arguments are
    /// grounded in the request's characters (`ToolGrounding`); refusals of missing entities do not apply.
    public var isToolSet: Bool { robot.kind == "tools" && baseWorld == nil }
    /// Grammar grounding on (the default): see `grounding(for:)`.
    public var groundsGrammar = true
    private var normalizer: InstructionNormalizer
    /// The model vocabulary's whole words: the normalizer does not correct them.
    private let dictionary: Set<String>
    private let stopWords: StopWordMatcher
    private let maxTokens: Int
    private let bank: ExampleBank
    private let prompt: PromptBuilder
    private let systemTokens: [Token]
    /// The bank's examples in the cache: tokens and positions, by instruction.
    private let cached: [String: (tokens: [Token], positions: Range<Int>)]
    /// The template text after the instruction (closing the user turn, opening the assistant's).
    private let turnClose: String
    /// The template text between a user turn's content and the assistant's, and after the assistant's.
    private let afterUser: String
    private let afterAssistant: String
    private let batch: Batch
    private var lexicon: LexiconDrafter
    private let lookup = PromptLookupDrafter()
    private let planCache: PlanCacheDrafter
    private var speculation: Speculation
    /// The bank's plans as calls, for rebuilding the lexicon when the world changes.
    private let examplePlans: [(instruction: String, plan: [ActionCall])]
    private let draft: DraftModelDrafter?
    /// Examples chosen per instruction. The most similar one is decoded right before the instruction
    /// (small models copy the nearest example); the others are seen in the cache, where they cost nothing.
    public let retrievedExamples: Int
    /// Tokens of the system prompt, of everything cached at start (the system prompt and the example bank), and
    /// the context's cells.
    public private(set) var promptLayout = (system: 0, cached: 0, context: 0)
    /// A plan text's tokens (their bytes), as the example bank's plans are tokenized.
    private func tokenizePlan(_ text: String) -> [[UInt8]] {
        ((try? model.vocabulary.tokenize(text, addSpecial: false, parseSpecial: false)) ?? []).map { tokenBytes[Int($0)] }
    }

    /// The system prompt's text (before the chat template wraps it).
    public var systemPrompt: String { prompt.systemMessage }
    private static let working: Int32 = 1
    static let scratch = ContextSource.scratch

    /// - Throws: `EngineError` when the context cannot be made or the prompt cannot be decoded.
    /// - Parameter draftModel: a smaller model with the same vocabulary, added as the last drafter.
    public init(model: Model, robot: Robot, world: World?, threads: Int? = nil, retrievedExamples: Int = 2,
                draftModel: Model? = nil) throws(EngineError) {
        if let d = draftModel, d.vocabulary.count != model.vocabulary.count {
            throw .vocabularyMismatch(draft: d.path, draftTokens: d.vocabulary.count, mainTokens: model.vocabulary.count)
        }
        self.retrievedExamples = retrievedExamples
        self.robot = robot
        self.world = world
        self.baseWorld = world
        self.model = model
        let vocab = model.vocabulary
        tokenBytes = vocab.allTokenBytes()
        let ends = Set([vocab.eos, vocab.eot].compactMap { $0 } + (0..<vocab.count).compactMap { i in
            vocab.isEndOfGeneration(Token(i)) ? Token(i) : nil
        })
        trie = TokenTrie(tokenBytes: tokenBytes, endTokens: Array(ends).sorted())
        decodingRobot = Limits.widened(robot)
        masks = MaskCache(trie: trie, grammar: PlanGrammar(robot: decodingRobot, world: world))
        dictionary = InstructionNormalizer.words(ofVocabulary: tokenBytes)
        normalizer = InstructionNormalizer(robot: robot, world: world, dictionary: dictionary)
        refusals = Refusals(robot: robot, world: world)
        stopWords = StopWordMatcher(robot.stopWords, names: [robot.id, robot.kind])
        maxTokens = robot.model.maxTokens
        bank = ExampleBank(robot: robot, world: world, normalizer: normalizer)

        // The conversation's pieces, found by rendering a probe conversation with marker contents.
        let template = ChatTemplate(model: model)
        prompt = PromptBuilder(robot: robot, world: world)
        let system = ChatMessage(.system, prompt.systemMessage)
        let marks = ["\u{1}A\u{1}", "\u{1}B\u{1}", "\u{1}C\u{1}"]
        let probe = template.format([system, ChatMessage(.user, marks[0]), ChatMessage(.assistant, marks[1]), ChatMessage(.user, marks[2])], addAssistant: true)
        let a = probe.range(of: marks[0])!, b = probe.range(of: marks[1])!, c = probe.range(of: marks[2])!
        let head = String(probe[..<a.lowerBound])
        let afterUser = String(probe[a.upperBound..<b.lowerBound])
        let afterAssistant = String(probe[b.upperBound..<c.lowerBound])
        self.afterUser = afterUser
        self.afterAssistant = afterAssistant
        turnClose = String(probe[c.upperBound...])
        systemTokens = try vocab.tokenize(head, addSpecial: true, parseSpecial: true)
        var segments: [(String, [Token])] = []
        var total = systemTokens.count
        for e in bank.entries {
            let t = try vocab.tokenize(e.instruction + afterUser + e.plan + afterAssistant, addSpecial: false, parseSpecial: true)
            guard total + t.count <= Self.maxCachedTokens else { break }
            segments.append((e.instruction, t))
            total += t.count
        }
        let needed = total + 512 + maxTokens + 128
        var options = ContextOptions(contextLength: max(robot.model.contextLength, (needed + 255) / 256 * 256), batchSize: 512,
                                     threads: threads ?? robot.model.threads, sequences: 3)
        options.poll = robot.model.poll
        options.priority = robot.model.priority.flatMap(ContextOptions.ThreadPriority.init(rawValue:))
        context = try Context(model: model, options: options)
        batch = Batch(capacity: 512)
        // Decode the static part once, in sequence 0 (both decoding modes share it, so its batching is free).
        var all = systemTokens
        var cached: [String: (tokens: [Token], positions: Range<Int>)] = [:]
        for (instruction, t) in segments {
            cached[instruction] = (t, all.count..<(all.count + t.count))
            all += t
        }
        try context.decodePrompt(all, sequence: 0, batch: batch)
        promptLayout = (systemTokens.count, all.count, context.contextLength)
        self.cached = cached
        let tokenize: (String) -> [Int32] = { (try? vocab.tokenize($0, addSpecial: false, parseSpecial: false)) ?? [] }
        let examples = bank.plans(for: robot)
        examplePlans = examples
        lexicon = LexiconDrafter(robot: decodingRobot, world: world, examples: examples, tokenize: tokenize)
        planCache = PlanCacheDrafter(tokenize: tokenize)
        let systemPrefix = systemTokens, draftThreads = threads ?? robot.model.threads
        draft = try draftModel.map { m throws(EngineError) in
            try DraftModelDrafter(model: m, mainVocabularySize: vocab.count, system: systemPrefix, threads: draftThreads)
        }
        speculation = Speculation(drafters: [planCache, lexicon, lookup] + (draft.map { [$0] } ?? []))
        // Masks along the bank's plans (every action, the world's entities) are computed now, not mid-translation.
        masks.warm(plans: bank.entries.map { tokenize($0.plan) }, tokenBytes: tokenBytes)
    }

    /// The most tokens in one batch while translating. llama.cpp's CPU flash attention computes a token's
    /// logits bit-for-bit alike in any batch of 2 to 63 tokens; from 64 query rows on it switches to a
    /// tiled kernel that sums in another order (measured on SmolLM2: |Δlogit| up to 1.5 and argmax
    /// flips; see `BatchInvarianceTests`). Lossless speculation relies on the former, so no batch is larger.
    public static let batchLimit = 63

    /// The most tokens of examples kept in the cache (bounds start-up time: about 6 ms per token on 2 cores).
    static let maxCachedTokens = 4096

    /// The flag that aborts the forward pass in flight (checked by llama.cpp between graph nodes): set it
    /// from any thread to stop a translation, which then throws `EngineError.aborted`. Reset it before
    /// the next translation.
    public var abortFlag: AbortFlag { context.abortFlag }

    /// Grounds later translations in `world` (the file's world as sensors see it now: objects detected,
    /// moved). The prompt decoded at start-up stays; each instruction carries what changed of what it
    /// names. Masks of groundings that did not change stay cached.
    public func update(world new: World) {
        guard new != world else { return }
        world = new
        normalizer = InstructionNormalizer(robot: robot, world: new, dictionary: dictionary)
        refusals = Refusals(robot: robot, world: new)
        let vocab = model.vocabulary
        let tokenize: (String) -> [Int32] = { (try? vocab.tokenize($0, addSpecial: false, parseSpecial: false)) ?? [] }
        lexicon = LexiconDrafter(robot: decodingRobot, world: new, examples: examplePlans, tokenize: tokenize)
        let enabled = speculation.enabled
        speculation = Speculation(drafters: [planCache, lexicon, lookup] + (draft.map { [$0] } ?? []))
        speculation.enabled = enabled
        masks = cachedMasks(GrammarKey(entities: new.entityClasses, notFirst: []))
    }

    /// What the world now says of the objects an instruction names, where it differs from the prompt's.
    func changeNote(for normalized: String) -> String? {
        guard let world, let base = baseWorld, world != base else { return nil }
        let words = Set(InstructionNormalizer.tokenize(normalized))
        let changed = world.objects.filter { o in words.contains(o.name) && base.object(named: o.name)?.location != o.location }
        guard !changed.isEmpty else { return nil }
        return "Now: " + changed.map { o in
            switch o.location {
            case .on(let place): "\(o.name) (on \(place))"
            case .at(let p): "\(o.name) (at \(PlanText.literal(.number(p.x))), \(PlanText.literal(.number(p.y))))"
            }
        }.joined(separator: ", ") + "."
    }

    /// Tokens decoded once and kept in the KV cache (system prompt and example bank).
    public var staticPromptTokens: Int { systemTokens.count + cached.values.map(\.tokens.count).reduce(0, +) }

    /// The drafters to use, by name (`plan_cache`, `lexicon`, `prompt_lookup`, `draft_model`); nil: all.
    public var enabledDrafters: Set<String>? {
        get { speculation.enabled }
        set { speculation.enabled = newValue }
    }

    /// Grounding: the entity classes cut down to what the instruction mentions, plus where the
    /// mentioned objects are, so the model chooses among a few candidates rather than the whole world.
    /// A class with no member mentioned keeps all its members, so every action stays possible; every
    /// plan is still valid for the whole world. Nil when the instruction names no entity.
    func grounding(for normalized: String) -> [String: [String]]? {
        guard let world else { return nil }
        let words = Set(InstructionNormalizer.tokenize(normalized))
        var named = Set(world.entityNames.filter(words.contains))
        guard !named.isEmpty else { return nil }
        for o in world.objects where named.contains(o.name) {
            if case .on(let surface) = o.location { named.insert(surface) }
        }
        var classes = world.entityClasses
        for (cls, members) in classes {
            let kept = members.filter(named.contains)
            if !kept.isEmpty { classes[cls] = kept }
        }
        return classes
    }

    private func masks(for normalized: String, notFirst: [Int]) -> MaskCache {
        let g = groundsGrammar ? grounding(for: normalized) : nil
        if g == nil, notFirst.isEmpty { return masks }
        return cachedMasks(GrammarKey(entities: g ?? world?.entityClasses ?? [:], notFirst: notFirst))
    }

    private func cachedMasks(_ g: GrammarKey) -> MaskCache {
        if let m = grounded[g] { return m }
        var grammar = PlanGrammar(robot: decodingRobot, world: world, entities: g.entities)
        grammar.notFirst = Set(g.notFirst)
        let m = MaskCache(trie: trie, grammar: grammar)
        grounded[g] = m
        groundedOrder.append(g)
        if groundedOrder.count > 64 { grounded[groundedOrder.removeFirst()] = nil }
        return m
    }

    /// Translates one instruction.
    /// - Parameters:
    ///   - speculative: use drafters (the plan is the same either way; only the speed differs).
    ///   - committed: called with the calls known to be final as soon as they are (see
    ///     `ConstrainedDecoder.decode`), so a robot can start on them while the rest decodes.
    /// - Throws: `EngineError` (`.aborted` when `abortFlag` was set).
    ///   - facts: the robot's state from its sensors (`airborne`, `holding`): actions whose `when` it rules
    ///     out cannot start the plan.
    public func translate(_ instruction: String, speculative: Bool = true, facts: [String: Bool] = [:],
                          committed: (([ActionCall]) -> Void)? = nil) throws -> Translation {
        var out = try translateRequest(instruction, speculative: speculative, facts: facts, committed: committed)
        // A tool set's request in several parts ("Find the area of a circle of radius 3. Also convert 5 miles to km.")
        // asks for each: a part none of whose values the calls took is translated on its own and its calls added.
        guard isToolSet, splitsRequests, out.outcome == "ok" else { return out }
        let first = out.actions
        for part in Coordination.uncoveredParts(instruction, calls: first, robot: robot) where out.actions.count < robot.limits.maxPlanActions {
            // A part that writes no value of its own refers back ("Also find the mode of these points."): its
            // arguments are the whole request's.
            let (numbers, names) = Coordination.values(of: part)
            let refersBack = numbers.isEmpty && names.isEmpty && ToolGrounding.numbers(normalizer.normalize(part)).isEmpty
            let more = try translateRequest(part, speculative: speculative, facts: facts, committed: nil, valuesFrom: refersBack ? (instruction, out.normalizedInstruction) : nil)
            out.timing.totalMs += more.timing.totalMs
            guard more.outcome == "ok" else { continue }
            for c in more.actions where Coordination.answers(c, part: part, robot: robot, besides: first) && !out.actions.contains(c)
                && out.actions.count < robot.limits.maxPlanActions { out.actions.append(c) }
        }
        return out
    }

    /// A plan with each call in the state the calls before it leave (`Robot.facts(after:from:)`, from the sensors'
    /// `facts`): a call the state rules out becomes its twin, the action with the same arguments that the state allows
    /// (`takeoff` → `change_altitude` once in the air). Nil when the first call is ruled out and has no twin: that
    /// reading does not fit the robot's state.
    public static func inState(_ plan: [ActionCall], robot: Robot, facts: [String: Bool]) -> [ActionCall]? {
        var state = facts, out: [ActionCall] = []
        for (i, c) in plan.enumerated() {
            var call = c
            if let a = robot.action(named: c.name), !a.canStart(in: state) {
                if let twin = robot.actions.first(where: { $0.name != a.name && LexiconDrafter.twins(a, $0) && $0.canStart(in: state) }) {
                    call = ActionCall(twin.name, c.arguments)
                } else if i == 0 {
                    return nil
                }
            }
            out.append(call)
            state = robot.facts(after: call, from: state)
        }
        return out
    }

    /// A tool set's request in several parts asks for each (see `translate`); off: the model's calls for the whole alone.
    public var splitsRequests = true

    private func translateRequest(_ instruction: String, speculative: Bool, facts: [String: Bool],
                                  committed: (([ActionCall]) -> Void)?,
                                  valuesFrom: (instruction: String, normalized: String)? = nil) throws -> Translation {
        let start = monotonicMilliseconds()
        var timing = Translation.Timing()
        let limit = robot.limits.maxInstructionLength
        guard instruction.count <= limit else {
            throw TranslationError(.instructionTooLong, "the instruction has \(instruction.count) characters; \(robot.id) takes at most \(limit) (limits.max_instruction_length)")
        }
        if stopWords.matches(instruction) {
            timing.totalMs = monotonicMilliseconds() - start
            let stop = robot.action(named: robot.fallback.stopAction).map { [$0.normalized(ActionCall($0.name))] } ?? []
            return Translation(outcome: "estop", actions: stop, normalizedInstruction: instruction, timing: timing)
        }
        // What the request takes back is not translated: a corrected clause, a forbidden one (`Corrections`).
        var instruction = instruction
        if !isToolSet {
            switch Corrections.read(instruction, namesAction: lexicon.namesAction) {
            case .asWritten: break
            case .revised(let kept): instruction = kept
            case .forbidsAll(let reason):
                timing.totalMs = monotonicMilliseconds() - start
                timing.prepareMs = timing.totalMs
                return Translation(outcome: "no_action", actions: [], normalizedInstruction: normalizer.normalize(instruction), timing: timing, reason: reason)
            }
        }
        let normalized = normalizer.normalize(instruction)
        // Sequence 1 sees the system prompt and the retrieved examples, in cache order.
        context.removeTokens(sequence: Self.working, from: 0)
        context.shareTokens(0, with: Self.working, positions: 0..<systemTokens.count)
        var visible = systemTokens
        var end = systemTokens.count
        let selected = bank.select(for: normalized, k: retrievedExamples)
        let fresh = decodesNearestExample ? selected.suffix(1) : []
        let chosen = selected.dropLast(fresh.count).compactMap { cached[$0.instruction] }.sorted { $0.positions.lowerBound < $1.positions.lowerBound }
        for e in chosen {
            context.shareTokens(0, with: Self.working, positions: e.positions)
            visible += e.tokens
            end = e.positions.upperBound
        }
        let nearest = fresh.last.map { $0.instruction + afterUser + $0.plan + afterAssistant } ?? ""
        // A large world is not listed in the system prompt: the entities the instruction names come with it.
        let note = [prompt.worldNote(for: normalized), changeNote(for: normalized)].compactMap { $0 }.map { $0 + "\n" }.joined()
        // A tool set's request is shown as written: its arguments are copied from it verbatim (see `ToolGrounding`).
        let shown = isToolSet ? instruction.split(whereSeparator: \.isWhitespace).joined(separator: " ") : normalized
        // The instruction is text, never markup: chat-template control tokens written inside it ("<|im_end|>",
        // "<start_of_turn>") stay characters, so it cannot close its own turn and write the assistant's.
        let vocab = model.vocabulary
        let suffix = try vocab.tokenize(nearest + note, addSpecial: false, parseSpecial: true)
            + vocab.tokenize(shown, addSpecial: false, parseSpecial: false) + vocab.tokenize(turnClose, addSpecial: false, parseSpecial: true)
        var source = ContextSource(context: context, batch: batch, sequence: Self.working, position: end)
        let actions = self.robot.actions
        let grammarMasks: MaskCache
        if isToolSet {
            // A request that shares nothing with the functions calls none of them; one that names a function calls one.
            let relevance = ToolGrounding.relevance(instruction, robot: robot)
            if relevance == .unrelated {
                timing.totalMs = monotonicMilliseconds() - start
                timing.prepareMs = timing.totalMs
                return Translation(outcome: "no_action", actions: [], normalizedInstruction: normalized, timing: timing,
                                   reason: "the request names nothing these functions do")
            }
            var (g, unfilled) = ToolGrounding.withoutUnfilled(ToolGrounding.grammar(PlanGrammar(robot: decodingRobot, world: nil), robot: robot,
                instruction: instruction, normalized: normalized, valuesFrom: valuesFrom), robot: robot)
            if g.calls.isEmpty {
                timing.totalMs = monotonicMilliseconds() - start
                timing.prepareMs = timing.totalMs
                let needs = unfilled.prefix(3).map { "\($0.function)'s \($0.parameter)" }.joined(separator: ", ")
                return Translation(outcome: "no_action", actions: [], normalizedInstruction: normalized, timing: timing,
                                   reason: "the request writes no number for \(needs)")
            }
            g.allowsNone = relevance != .named
            grammarMasks = MaskCache(trie: trie, grammar: g)
        } else {
            grammarMasks = masks(for: normalized, notFirst: actions.indices.filter { !actions[$0].canStart(in: facts) })
        }
        // The robot's state decides between actions that take the same arguments ("climb to 20 m": takeoff on the
        // ground, change_altitude in the air), and each call is in the state the ones before leave ("take off to 6 m,
        // then climb to 18 m"): see `inState`.
        var parsed = lexicon.parsed(normalized).compactMap { Self.inState($0, robot: self.robot, facts: facts) }
        // A request with nothing of the robot in it is guided to "none" (measured on the corpus: see README).
        if parsed.isEmpty, guidesUnrelatedToNone, lexicon.isUnrelated(normalized, unitless: !isToolSet) { parsed = [[]] }
        timing.prepareMs = monotonicMilliseconds() - start
        let decoder = ConstrainedDecoder(masks: grammarMasks, tokenBytes: tokenBytes, maxTokens: maxTokens, batchCapacity: Self.batchLimit)
        var spec: Speculation?
        let before = speculation.stats
        if speculative {
            planCache.reset(instruction: normalized)
            lexicon.reset(candidates: lexicon.candidates(for: normalized, nearest: selected.reversed().map(\.instruction), parsed: parsed))
            lookup.reset(prompt: visible + suffix)
            if enabledDrafters?.contains("draft_model") ?? true { try draft?.reset(suffix: suffix, masks: grammarMasks) }
            spec = speculation
        }
        let robot = self.robot
        // A robot's calls the request does not support are left out (`PlanSupport`), of what streams out too.
        let lexicon = self.lexicon
        let support = isToolSet ? nil : PlanSupport(normalized: normalized, robot: robot, world: world) { lexicon.speaks(of: $0, in: normalized) }
        // A robot's text arguments as the request wrote them (`VerbatimText`), of what streams out too.
        let normalizer = self.normalizer
        let verbatim = isToolSet ? nil : VerbatimText(request: instruction, robot: robot) { normalizer.normalize($0) }
        // The repairs of a robot's decoded calls (a tool set's are below): unsupported calls out (of a streamed start,
        // only up to the first unsupported one), the calls the examples always make first in, text as written.
        let repaired = { (calls: [ActionCall], streaming: Bool) -> [ActionCall] in
            guard let support, let verbatim else { return calls }
            let kept = verbatim.restoring(lexicon.withPrerequisites(streaming ? support.reportable(calls) : support.supported(calls), request: normalized))
            return Self.inState(kept, robot: robot, facts: facts) ?? kept
        }
        let onCommitted = committed.map { report in
            { (bytes: [UInt8], count: Int) in
                if let calls = PlanText.parse(String(decoding: bytes, as: UTF8.self), robot: robot, leading: count) {
                    let out = repaired(calls, true)
                    if !out.isEmpty { report(out) }
                }
            }
        }
        // A call identical to the one before ends the plan, unless the instruction asks for a repetition.
        let result = try decoder.decode(&source, prompt: suffix, speculation: spec, guide: LexiconDrafter.guide(parsed, bonus: guideBonus, tokenize: tokenizePlan),
                                        stopsRepeats: !ToolGrounding.asksRepetition(normalized), committed: onCommitted)
        let text = String(decoding: result.bytes, as: UTF8.self)
        // A tool set's identical calls are one call (robots stream calls as they come: repetition is theirs to stop in decoding).
        let parsedPlan = PlanText.parse(text, robot: robot) ?? []
        // A tool set's numbers go to the parameters named next to them; a call whose value the request lists with
        // others ("in Boston and Denver") is made once per value; a follow-up clause ("Also for Denver.", "What about
        // 221?") asks for the last call again with its values.
        // A robot's calls get what its examples always do first (`navigate_to` the object's place before `pick`).
        var calls = repaired(parsedPlan, false)
        if isToolSet {
            let limit = robot.limits.maxPlanActions
            calls = ToolGrounding.droppingRepeats(calls, normalized: normalized, instruction: valuesFrom?.instruction ?? instruction).map {
                let bound = NumberBinding.outsideText(NumberBinding.rebinding($0, instruction: instruction, robot: robot), instruction: instruction, robot: robot)
                return ToolGrounding.withRegions(ToolGrounding.withoutOverlaps(bound, robot: robot), instruction: instruction, robot: robot)
            }
            calls = Coordination.repeatingGroups(calls, instruction: instruction, robot: robot, limit: limit)
            calls = Coordination.expanding(calls, instruction: instruction, robot: robot, limit: limit)
            calls = Coordination.followingUp(calls, instruction: instruction, robot: robot, limit: limit)
        }
        if speculative, result.finished { planCache.remember(instruction: normalized, plan: text) }
        let decoded = monotonicMilliseconds()
        timing.prefillMs = result.stats.firstPassMs
        timing.laterPassesMs = result.stats.modelMs - result.stats.firstPassMs
        timing.decodeMs = decoded - start - timing.prepareMs - result.stats.firstPassMs
        timing.promptTokens = suffix.count
        timing.forwardPasses = result.stats.forwardPasses
        timing.tokens = result.stats.tokens
        timing.forcedTokens = result.stats.forcedTokens
        timing.draftTokens = result.stats.draftTokens
        timing.acceptedTokens = result.stats.acceptedTokens
        if speculative {
            timing.drafters = zip(speculation.statsByName, before).map { now, then in
                (now.0, DrafterStats(drafts: now.1.drafts - then.drafts, proposed: now.1.proposed - then.proposed, accepted: now.1.accepted - then.accepted))
            }
        }
        // The verdict on the decoded plan; its time is `checkMs`.
        func verdict() -> Translation {
            // An action the robot has none of is the reason, before any limit of the plan decoded for it.
            if refusesMissing, !isToolSet, let why = refusals.missingAction(instruction, calls: calls) {
                return Translation(outcome: "no_action", actions: [], normalizedInstruction: normalized, timing: timing, finished: result.finished,
                                   reason: why)
            }
            if let over = Limits.violation(in: calls, robot: robot) {
                return Translation(outcome: "rejected", actions: [], normalizedInstruction: normalized, timing: timing, finished: result.finished,
                                   reason: over)
            }
            // The second safety check, independent of the grammar that produced the plan: every call against the robot
            // file (names, types, ranges, entities) and the plan's length; and a plan the token limit cut short is no plan.
            let broken = calls.lazy.compactMap { c in self.robot.action(named: c.name).map { $0.problem(with: c, world: self.world) } ?? "unknown action \(c.name)" }.first
            if let broken {
                return Translation(outcome: "fallback", actions: [], normalizedInstruction: normalized, timing: timing, finished: result.finished,
                                   reason: "the plan broke the robot file: \(broken)")
            }
            if calls.count > robot.limits.maxPlanActions {
                return Translation(outcome: "fallback", actions: [], normalizedInstruction: normalized, timing: timing, finished: result.finished,
                                   reason: "the plan has \(calls.count) actions; \(robot.id) takes at most \(robot.limits.maxPlanActions) (limits.max_plan_actions)")
            }
            if !result.finished {
                let why = result.stats.tokens >= maxTokens ? "the plan was cut short by the token limit (model.max_tokens: \(maxTokens))"
                    : "the plan came to a point where the grammar allowed no token"
                return Translation(outcome: "fallback", actions: calls, normalizedInstruction: normalized, timing: timing, finished: false, reason: why)
            }
            // (A missing action was looked for first; now a missing entity.)
            if refusesMissing, !isToolSet, let why = refusals.missingEntity(instruction: instruction, normalized: normalized, calls: calls) {
                return Translation(outcome: "no_action", actions: [], normalizedInstruction: normalized, timing: timing, finished: result.finished,
                                   reason: why)
            }
            return Translation(outcome: calls.isEmpty ? "no_action" : "ok", actions: calls, normalizedInstruction: normalized, timing: timing,
                               finished: result.finished,
                               reason: calls.isEmpty ? "nothing in the request is something \(robot.id) can do here" : nil)
        }
        var out = verdict()
        out.readings = parsed
        out.timing.totalMs = monotonicMilliseconds() - start
        out.timing.checkMs = out.timing.totalMs - (decoded - start)
        return out
    }
}
