import RoboBridgeEngine
import Testing

@Suite("Chat templates")
struct ChatTemplateTests {
    let messages = [ChatMessage(.system, "You are a robot."), ChatMessage(.user, "go to the kitchen")]

    @Test func smolUsesItsOwnTemplate() throws {
        let template = ChatTemplate(model: try Fixtures.smol())
        #expect(template.usesModelTemplate)
        #expect(template.format(messages) ==
            "<|im_start|>system\nYou are a robot.<|im_end|>\n<|im_start|>user\ngo to the kitchen<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func gemmaWithoutTemplateIsRecognisedFromItsVocabulary() throws {
        let template = ChatTemplate(model: try Fixtures.gemma())
        #expect(template.source == "gemma")
        #expect(template.usesModelTemplate)
        #expect(template.format(messages) ==
            "<start_of_turn>user\nYou are a robot.\n\ngo to the kitchen<end_of_turn>\n<start_of_turn>model\n")
    }

    @Test func fallbackIsChatML() {
        let expected = "<|im_start|>system\nYou are a robot.<|im_end|>\n<|im_start|>user\ngo to the kitchen<|im_end|>\n<|im_start|>assistant\n"
        #expect(ChatTemplate(source: nil).format(messages) == expected)
        #expect(!ChatTemplate(source: nil).usesModelTemplate)
        // A template llama.cpp does not recognise falls back too.
        #expect(ChatTemplate(source: "{{ something_unknown }}").format(messages) == expected)
    }
}
