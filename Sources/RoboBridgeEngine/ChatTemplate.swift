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
/// Fallback: when the model has no template, or its template is not one llama.cpp recognises, the
/// messages are formatted as ChatML (`<|im_start|>role\ncontent<|im_end|>\n`, then
/// `<|im_start|>assistant\n`), the format most small instruction-tuned GGUF models understand.
public struct ChatTemplate: Sendable {
    /// The template text, or nil when the model has none.
    public let source: String?

    public init(model: Model) { source = model.metadata.chatTemplate }
    public init(source: String?) { self.source = source }

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
