import RoboBridgeEngine
import Testing

/// The bundled models, loaded once per test process. `make test` runs scripts/bootstrap first,
/// so a missing model is a failure, never a skip.
enum Fixtures {
    static let smolResult = Result { try Model(path: ModelCatalog.resolve("smollm2-135m")) }
    static let gemmaResult = Result { try Model(path: ModelCatalog.resolve("gemma3-270m")) }
    static let defaultResult = Result { try Model(path: ModelCatalog.resolve(ModelCatalog.defaultModel)) }

    static func smol() throws -> Model { try smolResult.get() }
    static func gemma() throws -> Model { try gemmaResult.get() }
    /// The default model (`smollm2-135m-fast`, requantized by the setup); `smol()` is the file as shipped.
    static func defaultModel() throws -> Model { try defaultResult.get() }

    /// A prompt of the kind RoboBridge sends, tokenized with the chat template.
    static func robotPrompt(_ model: Model) throws -> [Token] {
        let text = ChatTemplate(model: model).format([
            ChatMessage(.system, "You control a home robot on wheels with one arm. Reply only with action calls such as navigate_to(target=\"kitchen\"), pick(object=\"apple\") or dock()."),
            ChatMessage(.user, "Put the blue mug on the coffee table, then go to the kitchen and dock."),
        ])
        return try model.vocabulary.tokenize(text, addSpecial: true, parseSpecial: true)
    }
}
