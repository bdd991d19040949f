internal import CLlama

/// A chat message for a chat template.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// Formats chat messages with the model's own template (GGUF `tokenizer.chat_template`), through
/// `llama_chat_apply_template`, which knows llama.cpp's built-in template families.
///
/// Fallbacks, in order:
/// 1. The model has no template (some GGUF conversions drop it, e.g. the bundled Gemma 3): the
///    family is recognised from the turn-marker tokens in the model's own vocabulary
///    (`<start_of_turn>` → llama.cpp's built-in `gemma`, `<|im_start|>` → `chatml`,
///    `<|start_header_id|>` → `llama3`, `<|user|>` + `<|end|>` → `phi3`).
/// 2. Otherwise, or when llama.cpp does not recognise the template: ChatML
///    (`<|im_start|>role\ncontent<|im_end|>\n`, then `<|im_start|>assistant\n`).
public struct ChatTemplate: Sendable {
    /// The template text or built-in template name, or nil when none applies (ChatML fallback).
    public let source: String?

    public init(model: Model) {
        source = model.metadata.chatTemplate ?? Self.builtinFamily(for: model.vocabulary)
    }
    public init(source: String?) { self.source = source }

    /// The built-in llama.cpp template whose turn markers are single control tokens of the vocabulary.
    static func builtinFamily(for vocab: Vocabulary) -> String? {
        func isMarker(_ text: String) -> Bool {
            guard let t = try? vocab.tokenize(text, addSpecial: false, parseSpecial: true), t.count == 1 else { return false }
            return vocab.isControl(t[0]) || vocab.bytes(of: t[0]).isEmpty
        }
        let families: [(name: String, markers: [String])] = [
            ("gemma", ["<start_of_turn>", "<end_of_turn>"]),
            ("chatml", ["<|im_start|>", "<|im_end|>"]),
            ("llama3", ["<|start_header_id|>", "<|eot_id|>"]),
            ("phi3", ["<|user|>", "<|end|>"]),
        ]
        return families.first { $0.markers.allSatisfy(isMarker) }?.name
    }

    /// Whether `format` uses the model's template (false: the ChatML fallback).
    public var usesModelTemplate: Bool {
        guard let source else { return false }
        return Self.applyNative(source, [ChatMessage(.user, "x")], addAssistant: true) != nil
    }

    /// Formats messages into a prompt.
    /// - Parameter addAssistant: end with the opening of an assistant turn.
    public func format(_ messages: [ChatMessage], addAssistant: Bool = true) -> String {
        if let source, let text = Self.applyNative(source, messages, addAssistant: addAssistant) { return text }
        return Self.chatML(messages, addAssistant: addAssistant)
    }

    static func chatML(_ messages: [ChatMessage], addAssistant: Bool) -> String {
        var s = ""
        for m in messages { s += "<|im_start|>\(m.role.rawValue)\n\(m.content)<|im_end|>\n" }
        if addAssistant { s += "<|im_start|>assistant\n" }
        return s
    }

    static func applyNative(_ template: String, _ messages: [ChatMessage], addAssistant: Bool) -> String? {
        let roles = messages.map { strdup($0.role.rawValue)! }
        let contents = messages.map { strdup($0.content)! }
        defer { (roles + contents).forEach { free($0) } }
        var chat = (0..<messages.count).map { llama_chat_message(role: roles[$0], content: contents[$0]) }
        var capacity = max(256, messages.reduce(0) { $0 + $1.content.utf8.count } * 2 + 256)
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let n = llama_chat_apply_template(template, &chat, chat.count, addAssistant, &buffer, Int32(capacity))
            if n < 0 { return nil }
            if Int(n) <= capacity {
                return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity = Int(n)
        }
    }
}
#if canImport(Glibc)
import Glibc
#endif
