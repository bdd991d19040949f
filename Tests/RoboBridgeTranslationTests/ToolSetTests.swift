import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine
import RoboBridgeProtocol
import Testing

/// `--tools` function definitions: every parameter kind, arrays included, through parsing, the grammar,
/// the lexicon and the real model.
@Suite("Tool sets (OpenAI-style functions)")
struct ToolSetTests {
    static let tools = """
        [{"type": "function", "function": {"name": "visit_rooms", "description": "Visit rooms in order",
          "parameters": {"type": "object", "properties": {
             "rooms": {"type": "array", "items": {"type": "string", "enum": ["kitchen", "bedroom", "garage", "office"]}, "minItems": 1, "maxItems": 4}},
           "required": ["rooms"]}}},
         {"type": "function", "function": {"name": "set_altitudes", "description": "Fly through waypoint altitudes",
          "parameters": {"type": "object", "properties": {
             "altitudes_m": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 120}, "maxItems": 6},
             "repeat": {"type": "integer", "minimum": 1, "maximum": 5}, "loop": {"type": "boolean"}},
           "required": ["altitudes_m"]}}},
         {"name": "send_message", "description": "Send a text message to people",
          "parameters": {"type": "object", "properties": {
             "to": {"type": "array", "items": {"type": "string", "maxLength": 20}, "minItems": 1, "maxItems": 3},
             "flags": {"type": "array", "items": {"type": "boolean"}, "maxItems": 2},
             "body": {"type": "string", "maxLength": 60}},
           "required": ["to", "body"]}}]
        """

    static func robot() throws -> Robot { try ToolSet.robot(from: try JSONValue.parse(tools)) }

    @Test func arraysAreReadWithTheirItemsAndCounts() throws {
        let robot = try Self.robot()
        let rooms = try #require(robot.action(named: "visit_rooms")?.parameter(named: "rooms"))
        #expect(rooms.kind == .enum && rooms.values == ["kitchen", "bedroom", "garage", "office"])
        #expect(rooms.list == Parameter.ListShape(minItems: 1, maxItems: 4) && rooms.required)
        let alt = try #require(robot.action(named: "set_altitudes")?.parameter(named: "altitudes_m"))
        #expect(alt.kind == .number && alt.minimum == 0 && alt.maximum == 120 && alt.list?.maxItems == 6 && alt.list?.minItems == 0)
        let flags = try #require(robot.action(named: "send_message")?.parameter(named: "flags"))
        #expect(flags.kind == .boolean && flags.list != nil && !flags.required)
    }

    @Test(arguments: [
        (#"[{"name": "f", "parameters": {"properties": {"a": {"type": "array"}}}}]"#,
         "tools[0].parameters.properties.a.items: expected the schema of the array's items (an object with a type or an enum)"),
        (#"[{"name": "f", "parameters": {"properties": {"a": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}}}}]"#,
         "tools[0].parameters.properties.a.items.type: arrays of arrays are not supported; expected items of type number, integer, string, boolean or an enum"),
        (#"[{"name": "f", "parameters": {"properties": {"a": {"type": "object", "properties": {}}}, "required": ["a"]}}]"#,
         "tools[0].parameters.properties.a.properties: an object parameter needs the properties it takes"),
        (#"[{"name": "f", "parameters": {"properties": {"a": {"type": "array", "items": {"type": "dict", "properties": {"x": {"type": "integer"}}}}}}}]"#,
         "tools[0].parameters.properties.a.items.type: arrays of objects are not supported; expected items of type number, integer, string, boolean or an enum"),
        (#"[{"name": "f g", "parameters": {"properties": {}}}]"#,
         "tools[0].name: expected a function name of 1 to 64 ASCII letters, digits, '_', '-' and '.'"),
        (#"[{"name": "f", "parameters": {"properties": {"a": {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 2}}}}]"#,
         "tools[0].parameters.properties.a: expected 0 ≤ minItems ≤ maxItems ≤ 64, got minItems 3, maxItems 2"),
        (#"[{"name": "f", "parameters": {"properties": {"a": {"type": "number", "minimum": 5, "maximum": 1}}}}]"#,
         "tools[0].parameters.properties.a.maximum: expected maximum ≥ minimum (5.0), got 1.0"),
        (#"[{"name": "f", "parameters": {"properties": {"a": {"type": "date"}}}}]"#,
         "tools[0].parameters.properties.a.type: type \"date\" is not supported; expected number, integer, string, boolean, array, object or an enum"),
    ])
    func badDefinitionsAreNamed(_ c: (String, String)) throws {
        #expect(throws: ToolSet.Problem.self) { _ = try ToolSet.robot(from: try JSONValue.parse(c.0)) }
        do { _ = try ToolSet.robot(from: try JSONValue.parse(c.0)) } catch let e as ToolSet.Problem { #expect(e.description == c.1) }
    }

    @Test func theGrammarBoundsArraysAndTheirItems() throws {
        let robot = try Self.robot()
        let g = PlanGrammar(robot: robot, world: nil)
        func accepts(_ text: String) -> Bool {
            guard let s = GrammarState().advance(Array(text.utf8), g) else { return false }
            return s.canEnd(g)
        }
        #expect(accepts(#"visit_rooms(rooms=["kitchen", "garage"])"#))
        #expect(accepts(#"set_altitudes(altitudes_m=[])"#))
        #expect(accepts(#"set_altitudes(altitudes_m=[10, 20.5, 120], loop=true)"#))
        #expect(accepts("send_message(to=[\"Ann\"], flags=[true, false], body=\"hi there\")"))
        #expect(!accepts(#"visit_rooms(rooms=[])"#))  // minItems 1
        #expect(!accepts(#"visit_rooms(rooms=["kitchen", "garage", "office", "bedroom", "kitchen"])"#))  // maxItems 4
        #expect(!accepts(#"visit_rooms(rooms=["attic"])"#))
        #expect(!accepts(#"set_altitudes(altitudes_m=[121])"#))
        #expect(!accepts(#"set_altitudes(altitudes_m=[1,2])"#))  // ", " between items
        #expect(!accepts(#"set_altitudes(altitudes_m=10)"#))
        #expect(!accepts("send_message(to=[\"a name longer than twenty\"], body=\"x\")"))
        // Text round trip, lists included.
        let plan = [ActionCall("set_altitudes", [.init("altitudes_m", .list([.number(10), .number(20.5)])), .init("loop", .bool(true))]),
                    ActionCall("send_message", [.init("to", .list([.string("Ann, Bo"), .string("Cy]")])), .init("body", .string("a, b"))])]
        let text = PlanText.render(plan)
        #expect(text == "set_altitudes(altitudes_m=[10, 20.5], loop=true)\nsend_message(to=[\"Ann, Bo\", \"Cy]\"], body=\"a, b\")")
        #expect(accepts(text))
        #expect(PlanText.parse(text, robot: robot) == plan)
    }

    /// With random logits over the real vocabulary, every plan is a valid call of the tools.
    @Test func everyPlanValidatesWhateverTheLogits() throws {
        let robot = try Self.robot()
        let vocab = try Vocab.smol.get()
        let masks = MaskCache(trie: TokenTrie(tokenBytes: vocab.bytes, endTokens: vocab.end), grammar: PlanGrammar(robot: robot, world: nil))
        let decoder = ConstrainedDecoder(masks: masks, tokenBytes: vocab.bytes, maxTokens: 160)
        var lists = 0
        for seed in 0..<2_000 {
            var source = RandomLogits(seed: UInt64(seed) &* 6_151)
            let result = try decoder.decode(&source, prompt: [0])
            let text = String(decoding: result.bytes, as: UTF8.self)
            let plan = try #require(PlanText.parse(text, robot: robot), "did not parse: \(text)")
            for call in plan {
                let problem = robot.action(named: call.name)?.problem(with: call, world: nil)
                #expect(problem == nil, "\(call): \(problem ?? "")")
                lists += call.arguments.filter { if case .list(let items) = $0.value { items.count > 1 } else { false } }.count
            }
        }
        #expect(lists > 100)
    }

    @Test func theLexiconFillsArraysFromTheInstruction() throws {
        let robot = try Self.robot()
        let normalizer = InstructionNormalizer(robot: robot, world: nil)
        let bank = ExampleBank(robot: robot, world: nil, normalizer: normalizer)
        for e in bank.entries { #expect(PlanText.parse(e.plan, robot: robot) != nil, "bank example \(e.plan)") }
        let examples = bank.plans(for: robot)
        let lexicon = LexiconDrafter(robot: robot, world: nil, examples: examples) { _ in [] }
        func parse(_ s: String) -> [String] { lexicon.parsed(normalizer.normalize(s)).map(PlanText.render) }
        #expect(parse("visit the kitchen, the garage and the office").contains(#"visit_rooms(rooms=["kitchen", "garage", "office"])"#))
        #expect(parse("set altitudes of 10, 20 and 35").contains("set_altitudes(altitudes_m=[10, 20, 35])"))
    }

    @Test func theRealModelWritesValidArrays() throws {
        let robot = try Self.robot()
        let t = try Translator(model: try TranslatorTests.model.get(), robot: robot, world: nil)
        var lists = 0
        for s in ["visit the kitchen then the garage and the office", "fly through altitudes 10, 20 and 35", "message Ann and Bo that dinner is ready",
                  "visit the bedroom"] {
            let r = try t.translate(s)
            #expect(r.outcome == "ok" || r.outcome == "no_action")
            for call in r.actions {
                #expect(robot.action(named: call.name)?.problem(with: call, world: nil) == nil, "\(s) → \(call)")
                if call.arguments.contains(where: { if case .list = $0.value { true } else { false } }) { lists += 1 }
            }
        }
        #expect(lists >= 3)
    }

    /// Tool sets as BFCL and real APIs write them: dotted names, `dict`/`float`/`tuple`/`any`, nested objects.
    static let bfclStyle = """
        [{"name": "math.factorial", "description": "Factorial.", "parameters": {"type": "dict", "properties": {
            "number": {"type": "integer", "description": "The number."}}, "required": ["number"]}},
         {"name": "hotel-booking.v2", "description": "Book a room.", "parameters": {"type": "dict", "properties": {
            "city": {"type": "any"}, "price": {"type": "float"}, "dates": {"type": "tuple", "items": {"type": "string"}},
            "room": {"type": "dict", "properties": {"kind": {"type": "string", "enum": ["single", "double"]},
                     "guests": {"type": "dict", "properties": {"adults": {"type": "integer"}, "children": {"type": "integer"}}, "required": ["adults"]}},
                     "required": ["kind"]},
            "extras": {"type": "dict", "description": "free-form"}},
          "required": ["city", "room"]}}]
        """

    @Test func bfclSpellingsAndNestedObjectsAreRead() throws {
        let loaded = try ToolSet.load(try JSONValue.parse(Self.bfclStyle))
        let robot = loaded.robot
        #expect(robot.action(named: "math.factorial")?.parameter(named: "number")?.kind == .integer)
        let book = try #require(robot.action(named: "hotel-booking.v2"))
        #expect(book.parameters.map(\.name) == ["city", "price", "dates", "room.kind", "room.guests.adults", "room.guests.children"])
        #expect(book.parameter(named: "city")?.kind == .string && book.parameter(named: "price")?.kind == .number)
        #expect(book.parameter(named: "dates")?.list != nil)
        // Required as far as every enclosing object is: room is required, room.guests is not.
        #expect(book.parameters.filter(\.required).map(\.name) == ["city", "room.kind"])
        // The optional object with no properties is left out, and said so; strict reading refuses it.
        #expect(loaded.skipped.map(\.description) == ["tools[1].parameters.properties.extras.properties: an object parameter needs the properties it takes"])
        #expect(throws: ToolSet.Problem.self) { _ = try ToolSet.robot(from: try JSONValue.parse(Self.bfclStyle)) }

        // The plan writes the fields flat; the JSON nests them again.
        let g = PlanGrammar(robot: robot, world: nil)
        let text = #"hotel-booking.v2(city="Paris", price=120.5, room.kind="double", room.guests.adults=2)"#
        #expect(GrammarState().advance(Array(text.utf8), g)?.canEnd(g) == true)
        let call = try #require(PlanText.parse(text, robot: robot)?.first)
        let json = JSONValue.object(ToolSet.arguments(of: call))
        #expect(json.description == #"{"city":"Paris","price":120.5,"room":{"kind":"double","guests":{"adults":2}}}"#)
        #expect(PlanText.parse("math.factorial(number=5)", robot: robot) == [ActionCall("math.factorial", [.init("number", .integer(5))])])
    }

    @Test func aPlaceTakesTheRegionItsParameterAsksFor() throws {
        let tools = """
        [{"name": "get_weather", "description": "Current weather.", "parameters": {"type": "object", "properties": {
          "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}}, "required": ["location"]}}]
        """
        let robot = try ToolSet.robot(from: try JSONValue.parse(tools))
        let call = ActionCall("get_weather", [.init("location", .string("Mariposa"))])
        #expect(ToolGrounding.withRegions(call, instruction: "the weather at Mariposa, CA, in celsius", robot: robot)
            == ActionCall("get_weather", [.init("location", .string("Mariposa, CA"))]))
        #expect(ToolGrounding.withRegions(call, instruction: "the weather at Mariposa, please", robot: robot) == call)
    }
}
