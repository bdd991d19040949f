import RoboBridgeEngine
import Testing

@Suite("Tokenizer")
struct TokenizerTests {
    static let texts = [
        "Put the blue mug on the coffee table, then dock.",
        "把蓝色的杯子放在咖啡桌上，然后回到充电座。",
        "🤖 go to the kitchen 🍎👍🏽 now!",
    ]

    @Test(arguments: texts)
    func roundTrip(_ text: String) throws {
        for model in [try Fixtures.smol(), try Fixtures.gemma()] {
            let vocab = model.vocabulary
            let tokens = try vocab.tokenize(text, addSpecial: false, parseSpecial: false)
            #expect(!tokens.isEmpty)
            #expect(vocab.detokenize(tokens) == text)
            // Token by token through the streaming detokenizer: every piece is valid UTF-8 and
            // the pieces add up to the text.
            var stream = StreamingDetokenizer(vocabulary: vocab)
            var pieces: [String] = tokens.map { stream.append($0) }
            pieces.append(stream.finish())
            #expect(pieces.joined() == text)
            #expect(!pieces.joined().contains("\u{FFFD}"))
        }
    }

    @Test func emojiSplitsAcrossTokens() throws {
        // The test above only proves something if some token ends inside a UTF-8 sequence.
        let vocab = try Fixtures.smol().vocabulary
        let tokens = try vocab.tokenize("🤖🍎👍🏽", addSpecial: false, parseSpecial: false)
        let partial = tokens.filter { String(validating: vocab.bytes(of: $0), as: UTF8.self) == nil }
        #expect(!partial.isEmpty)
    }

    @Test func specialTokens() throws {
        let vocab = try Fixtures.smol().vocabulary
        let parsed = try vocab.tokenize("<|im_start|>", addSpecial: false, parseSpecial: true)
        #expect(parsed.count == 1)
        #expect(vocab.isControl(parsed[0]))
        let plain = try vocab.tokenize("<|im_start|>", addSpecial: false, parseSpecial: false)
        #expect(plain.count > 1)
        #expect(vocab.bytes(of: parsed[0]) == [])
        #expect(vocab.bytes(of: parsed[0], special: true) == Array("<|im_start|>".utf8))
        let eos = try #require(vocab.eos)
        #expect(vocab.isEndOfGeneration(eos))
    }

    @Test func wholeVocabularyBytes() throws {
        let vocab = try Fixtures.smol().vocabulary
        let all = vocab.allTokenBytes()
        #expect(all.count == 49152)
        let the = try vocab.tokenize(" the", addSpecial: false, parseSpecial: false)
        #expect(the.count == 1)
        #expect(all[Int(the[0])] == Array(" the".utf8))
        #expect(all.filter { !$0.isEmpty }.count > 49000)
    }

    @Test func incompleteUTF8PrefixLength() {
        #expect(StreamingDetokenizer.completePrefixLength([0x61, 0x62]) == 2)
        #expect(StreamingDetokenizer.completePrefixLength([0x61, 0xF0, 0x9F]) == 1)
        #expect(StreamingDetokenizer.completePrefixLength([0xF0, 0x9F, 0xA4, 0x96]) == 4)
        #expect(StreamingDetokenizer.completePrefixLength([0xE6, 0x8A]) == 0)
        #expect(StreamingDetokenizer.completePrefixLength([]) == 0)
    }
}
