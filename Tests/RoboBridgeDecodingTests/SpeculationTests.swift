import RoboBridgeConfig
import RoboBridgeDecoding
import Testing

/// Proposes the tokens of a known plan with some of them swapped for others (a drafter that is right
/// sometimes), from where the plan so far leaves the known plan.
final class NoisyDrafter: Drafter {
    let name = "noisy"
    var plan: [Int32] = []
    var noise: [Int32] = []
    var seed: UInt64 = 1
    func propose(_ r: DraftRequest) -> [Int32] {
        guard r.planTokens.count < plan.count, plan.starts(with: r.planTokens) else { return Array(noise.prefix(r.limit)) }
        var out = Array(plan[r.planTokens.count...].prefix(r.limit))
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        if seed >> 61 == 0, !out.isEmpty { out[Int(seed >> 33) % out.count] = noise.first ?? 0 }  // 1 draft in 8 is wrong somewhere
        return out
    }
}

/// Proposes the rest of a known plan, exactly.
final class ExactDrafter: Drafter {
    let name = "exact"
    let draftsWholePlans: Bool
    var plan: [Int32] = []
    init(whole: Bool) { draftsWholePlans = whole }
    func propose(_ r: DraftRequest) -> [Int32] {
        guard r.planTokens.count < plan.count, plan.starts(with: r.planTokens) else { return [] }
        return Array(plan[r.planTokens.count...].prefix(r.limit))
    }
}

@Suite("Speculative decoding on a fake model")
struct SpeculationTests {
    /// A drafter of whole plans drafts the whole plan at once: a plan that fits one batch is one forward pass;
    /// a drafter of pieces starts at `initialLength` tokens and needs more. Same plan either way.
    @Test func aWholePlanDrafterDraftsTheWholePlanAtOnce() throws {
        let (rover, world) = try load("rover", "apartment")
        let vocab = try Vocab.smol.get()
        let masks = MaskCache(trie: TokenTrie(tokenBytes: vocab.bytes, endTokens: vocab.end), grammar: PlanGrammar(robot: rover, world: world))
        let decoder = ConstrainedDecoder(masks: masks, tokenBytes: vocab.bytes, maxTokens: 96, batchCapacity: 63)
        var checked = 0
        for seed in 0..<200 {
            var plainSource = RandomLogits(seed: UInt64(seed) &* 7919)
            let plain = try decoder.decode(&plainSource, prompt: [1, 2, 3])
            guard plain.finished, (24...56).contains(plain.tokens.count) else { continue }
            for whole in [true, false] {
                let drafter = ExactDrafter(whole: whole)
                drafter.plan = plain.tokens
                var source = RandomLogits(seed: UInt64(seed) &* 7919)
                let spec = try decoder.decode(&source, prompt: [1, 2, 3], speculation: Speculation(drafters: [drafter], initialLength: 16))
                #expect(spec.tokens == plain.tokens, "seed \(seed)")
                if whole {
                    #expect(spec.stats.forwardPasses == 1, "seed \(seed): \(plain.tokens.count) tokens")
                } else {
                    #expect(spec.stats.forwardPasses >= 2, "seed \(seed): \(plain.tokens.count) tokens")
                }
            }
            checked += 1
        }
        #expect(checked >= 10, "only \(checked) plans of 24 to 56 tokens")
    }

    /// Lossless by construction: with a fake model whose logits depend only on the position (so batching
    /// cannot change them), speculation must give exactly the plain plan, whatever the drafts.
    @Test func speculationNeverChangesThePlan() throws {
        let (rover, world) = try load("rover", "apartment")
        let vocab = try Vocab.smol.get()
        let masks = MaskCache(trie: TokenTrie(tokenBytes: vocab.bytes, endTokens: vocab.end), grammar: PlanGrammar(robot: rover, world: world))
        let decoder = ConstrainedDecoder(masks: masks, tokenBytes: vocab.bytes, maxTokens: 96, batchCapacity: 63)
        let drafter = NoisyDrafter()
        let speculation = Speculation(drafters: [drafter])
        var passesPlain = 0, passesSpeculative = 0, accepted = 0
        for seed in 0..<1_000 {
            var plainSource = RandomLogits(seed: UInt64(seed) &* 104_729)
            let plain = try decoder.decode(&plainSource, prompt: [1, 2, 3])
            // Drafts: the right plan, corrupted now and then, or junk tokens once off track.
            drafter.plan = plain.tokens
            drafter.noise = [Int32(seed % 5000), 17, 42]
            var specSource = RandomLogits(seed: UInt64(seed) &* 104_729)
            let spec = try decoder.decode(&specSource, prompt: [1, 2, 3], speculation: speculation)
            #expect(spec.tokens == plain.tokens, "seed \(seed)")
            #expect(spec.bytes == plain.bytes)
            #expect(spec.finished == plain.finished)
            #expect(spec.stats.acceptedTokens <= spec.stats.draftTokens)
            passesPlain += plain.stats.forwardPasses
            passesSpeculative += spec.stats.forwardPasses
            accepted += spec.stats.acceptedTokens
        }
        #expect(passesSpeculative < passesPlain / 2, "speculative \(passesSpeculative) vs plain \(passesPlain) forward passes")
        let s = speculation.stats[0]
        #expect(s.accepted > 0 && s.accepted < s.proposed)
        print("fake model: forward passes plain \(passesPlain), speculative \(passesSpeculative); drafts \(s.drafts), proposed \(s.proposed), accepted \(s.accepted)")
    }

    @Test func promptLookupCopiesWhatFollowedTheLastMatch() {
        let d = PromptLookupDrafter()
        d.reset(prompt: [5, 6, 7, 8, 9, 1, 2, 6, 7, 3, 4])
        // The plan so far ends with 6 7: the latest earlier 6 7 was followed by 3 4.
        #expect(d.propose(DraftRequest(planTokens: [6, 7], planBytes: [], limit: 8)) == [3, 4, 6, 7])
        #expect(d.propose(DraftRequest(planTokens: [6, 7], planBytes: [], limit: 1)) == [3])
        #expect(d.propose(DraftRequest(planTokens: [99], planBytes: [], limit: 8)) == [])
    }

    @Test func planCacheDraftsRepeatedInstructions() {
        let cache = PlanCacheDrafter(capacity: 2) { text in text.utf8.map { Int32($0) } }
        cache.remember(instruction: "go to the kitchen", plan: "ab")
        cache.reset(instruction: "go to the kitchen")
        #expect(cache.propose(DraftRequest(planTokens: [], planBytes: [], limit: 8)) == [97, 98])
        #expect(cache.propose(DraftRequest(planTokens: [97], planBytes: [97], limit: 8)) == [98])
        cache.reset(instruction: "go to the bedroom")
        #expect(cache.propose(DraftRequest(planTokens: [], planBytes: [], limit: 8)) == [])
        cache.remember(instruction: "b", plan: "x")
        cache.remember(instruction: "c", plan: "y")
        #expect(cache.count == 2)  // the oldest went
    }
}
