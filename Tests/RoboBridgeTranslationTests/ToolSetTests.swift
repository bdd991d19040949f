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
        (#"[{"name": "f", "parameters": {"properties": {"a": {"type": "array", "items": {"type": "dict", "properties": {}}}}, "required": ["a"]}}]"#,
         "tools[0].parameters.properties.a.items.properties: an array of objects needs the properties its objects take"),
        (#"[{"name": "f", "parameters": {"properties": {"a": {"type": "array", "items": {"type": "dict", "properties": {"x": {"type": "array", "items": {"type": "integer"}}}, "required": ["x"]}}}, "required": ["a"]}}]"#,
         "tools[0].parameters.properties.a.items.properties.x: arrays inside an array of objects are not supported; expected fields of type number, integer, string, boolean, object or an enum"),
        (#"[{"name": "f", "parameters": {"properties": {"a[]": {"type": "integer"}}}}]"#,
         "tools[0].parameters.properties.a[]: expected a parameter name without '.', '=', ',', '(', ')', '[', ']' or spaces"),
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
        var lists = 0
        for call in try Self.randomCalls(robot, plans: 2_000, maxTokens: 160, seedStep: 6_151) {
            lists += call.arguments.filter { if case .list(let items) = $0.value { items.count > 1 } else { false } }.count
        }
        #expect(lists > 100)
    }

    /// The calls of plans decoded with random logits over the real vocabulary, each checked to parse and validate.
    static func randomCalls(_ robot: Robot, plans: Int, maxTokens: Int, seedStep: UInt64) throws -> [ActionCall] {
        let vocab = try Vocab.smol.get()
        let masks = MaskCache(trie: TokenTrie(tokenBytes: vocab.bytes, endTokens: vocab.end), grammar: PlanGrammar(robot: robot, world: nil))
        let decoder = ConstrainedDecoder(masks: masks, tokenBytes: vocab.bytes, maxTokens: maxTokens)
        var calls: [ActionCall] = []
        for seed in 0..<plans {
            var source = RandomLogits(seed: UInt64(seed) &* seedStep)
            let text = String(decoding: try decoder.decode(&source, prompt: [0]).bytes, as: UTF8.self)
            let plan = try #require(PlanText.parse(text, robot: robot), "did not parse: \(text)")
            for call in plan {
                let problem = robot.action(named: call.name)?.problem(with: call, world: nil)
                #expect(problem == nil, "\(call): \(problem ?? "")")
            }
            calls += plan
        }
        return calls
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

    /// An array of objects (BFCL's "array of dict"): a trip's stops, each a city, a number of nights and an optional
    /// hotel with its stars.
    static let trip = """
        [{"name": "plan_trip", "description": "Plan a trip.", "parameters": {"type": "dict", "properties": {
            "traveler": {"type": "string"},
            "stops": {"type": "array", "description": "The stops in order.", "maxItems": 4, "items": {"type": "dict", "properties": {
                "nights": {"type": "integer", "minimum": 1, "maximum": 30},
                "city": {"type": "string", "description": "The city."},
                "hotel": {"type": "dict", "properties": {"name": {"type": "string"}, "stars": {"type": "integer", "minimum": 1, "maximum": 5}}},
                "tags": {"type": "array", "items": {"type": "string"}}},
              "required": ["city", "nights"]}}},
          "required": ["traveler", "stops"]}},
         {"name": "log", "parameters": {"type": "dict", "properties": {
            "entries": {"type": "array", "items": {"type": "dict", "properties": {"level": {"type": "string", "enum": ["info", "error"]}}}}}}}]
        """

    @Test func arraysOfObjectsAreColumnsOfOneLength() throws {
        let loaded = try ToolSet.load(try JSONValue.parse(Self.trip))
        let robot = loaded.robot
        let plan = try #require(robot.action(named: "plan_trip"))
        // The first required field leads (nights, as declared); a list inside the objects is left out, and said so.
        #expect(plan.parameters.map(\.name) == ["traveler", "stops[].nights", "stops[].city", "stops[].hotel.name", "stops[].hotel.stars"])
        #expect(loaded.skipped.map(\.description) == [
            "tools[0].parameters.properties.stops.items.properties.tags: arrays inside an array of objects are not supported; expected fields of type number, integer, string, boolean, object or an enum"])
        let city = try #require(plan.parameter(named: "stops[].city")), nights = try #require(plan.parameter(named: "stops[].nights"))
        #expect(nights.required && nights.list == Parameter.ListShape(minItems: 0, maxItems: 4))
        #expect(nights.description == "The stops in order. Each item's nights.")
        #expect(!city.required && city.list == Parameter.ListShape(minItems: 0, maxItems: 4, sameLengthAs: "stops[].nights", requiredWithLead: true))
        #expect(plan.parameter(named: "stops[].hotel.stars")?.list?.requiredWithLead == false)

        let g = PlanGrammar(robot: robot, world: nil)
        func accepts(_ text: String) -> Bool { GrammarState().advance(Array(text.utf8), g)?.canEnd(g) == true }
        let text = #"plan_trip(traveler="Ann", stops[].nights=[3, 2], stops[].city=["Paris", "Rome"], stops[].hotel.stars=[4, 5])"#
        #expect(accepts(text))
        #expect(accepts(#"plan_trip(traveler="Ann", stops[].nights=[], stops[].city=[])"#))
        #expect(!accepts(#"plan_trip(traveler="Ann", stops[].nights=[], stops[].city=["Paris"])"#))
        #expect(!accepts(#"plan_trip(traveler="Ann", stops[].nights=[3, 2], stops[].city=["Paris"])"#))  // one length
        #expect(!accepts(#"plan_trip(traveler="Ann", stops[].nights=[3], stops[].city=["Paris", "Rome"])"#))
        #expect(!accepts(#"plan_trip(traveler="Ann", stops[].nights=[3])"#))  // every stop needs its city
        #expect(!accepts(#"plan_trip(traveler="Ann", stops[].nights=[3], stops[].hotel.stars=[4], stops[].city=["Paris"])"#))  // declared order
        // An optional array of objects: absent, or given with its first field; never a later field alone.
        #expect(accepts("log()") && accepts(#"log(entries[].level=["info", "error"])"#))
        // Grounding leaves out optional parameters the request does not name, never a field the objects need.
        let request = "Plan a trip for Ann: 3 nights in Paris, then 2 in Rome"
        let grounded = ToolGrounding.grammar(g, robot: robot, instruction: request, normalized: request.lowercased())
        func groundedAccepts(_ text: String) -> Bool { GrammarState().advance(Array(text.utf8), grounded)?.canEnd(grounded) == true }
        #expect(groundedAccepts(#"plan_trip(traveler="Ann", stops[].nights=[3, 2], stops[].city=["Paris", "Rome"])"#))
        #expect(!groundedAccepts(#"plan_trip(traveler="Ann", stops[].nights=[3, 2])"#))
        #expect(!groundedAccepts(#"plan_trip(traveler="Ann", stops[].nights=[3, 2], stops[].city=["Paris", "Rome"], stops[].hotel.stars=[3, 2])"#))

        // The plan writes columns; the JSON has the objects.
        let call = try #require(PlanText.parse(text, robot: robot)?.first)
        #expect(plan.problem(with: call, world: nil) == nil)
        #expect(JSONValue.object(ToolSet.arguments(of: call)).description
            == #"{"traveler":"Ann","stops":[{"nights":3,"city":"Paris","hotel":{"stars":4}},{"nights":2,"city":"Rome","hotel":{"stars":5}}]}"#)
        // The second safety check holds columns to one length too, independently of the grammar.
        var short = call
        short.arguments[2].value = .list([.string("Paris")])
        #expect(plan.problem(with: short, world: nil) == "plan_trip.stops[].city: expected 2 items, one per item of stops[].nights, got 1")
        var missing = call
        missing.arguments.remove(at: 2)
        #expect(plan.problem(with: missing, world: nil) == "plan_trip: missing stops[].city, which every object of stops[].nights needs")
    }

    /// With random logits over the real vocabulary, every plan for arrays of objects is valid: columns of one length.
    @Test func columnsHoldOneLengthWhateverTheLogits() throws {
        let robot = try ToolSet.load(try JSONValue.parse(Self.trip)).robot
        var objects = 0
        for call in try Self.randomCalls(robot, plans: 1_000, maxTokens: 200, seedStep: 7_919) {
            for (_, v) in ToolSet.arguments(of: call) { objects += v.arrayValue?.count ?? 0 }
        }
        #expect(objects > 100)
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
