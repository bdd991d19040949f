import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeProtocol
import Testing

/// Tool-set arguments from the request's own characters, the relevance gate and repeated calls.
@Suite("Tool grounding")
struct ToolGroundingTests {
    func texts(_ s: String) -> [String] { ToolGrounding.spans(s).map { String(decoding: $0, as: UTF8.self) } }

    @Test func textArgumentsAreSpansOfTheRequestAsWritten() {
        let spans = texts("Solve 3x^2 + 2x - 1 for the docket 2022/AL2562 in California, for 'Wonder of Nature'.")
        #expect(spans.contains("3x^2 + 2x - 1"))
        #expect(spans.contains("2022/AL2562"))
        #expect(spans.contains("California"))  // trailing comma trimmed
        #expect(!spans.contains("California,"))
        #expect(!spans.contains("in California"))  // no value starts with a lower-case preposition
        #expect(texts("add a todo 'go to gym tomorrow.' now").contains("go to gym tomorrow."))  // a quoted phrase as written
        #expect(spans.contains("Wonder of Nature"))  // a quoted phrase, quotes off
        #expect(!spans.contains("california"))  // verbatim: no case change
        #expect(!spans.contains { $0.contains("\"") })
        #expect(texts(#"say "hi" now"#).allSatisfy { !$0.contains("\"") })
        // Runs longer than maxWords are not spans, unless quoted.
        let long = (1...20).map { "w\($0)" }.joined(separator: " ")
        #expect(!texts(long).contains(long))
        #expect(texts("'\(long)'").contains(long))
    }

    @Test func aSpanStaysInsideItsSentenceAndItsQuotes() {
        let spans = texts("I need a ride from 2020 Addison Street, Berkeley, CA, USA, and I can wait up to 600 seconds. Can you?")
        #expect(spans.contains("2020 Addison Street, Berkeley, CA, USA"))
        #expect(!spans.contains { $0.hasSuffix("and I") || $0.hasSuffix("up to") })  // no new clause after a comma, no function word at the end
        #expect(!spans.contains { $0.contains("seconds. Can") })  // no sentence end inside
        #expect(texts("in St. Louis, MO").contains("St. Louis, MO"))  // an abbreviation is no sentence end
        // A quoted phrase is a value whole: no part of it, nothing running past it.
        let quoted = texts("Translate 'Good morning' into French, Spanish, and German.")
        #expect(quoted.contains("Good morning"))
        #expect(!quoted.contains("Good"))
        #expect(!quoted.contains { $0.hasPrefix("Good morning'") })
        #expect(quoted.contains("French, Spanish, and German"))  // a list is one span too
    }

    @Test func theRequestsEnumValuesAndNamedOptionalsAreGiven() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "set_ac", "parameters": {"properties": {"mode": {"type": "string", "enum": ["COOL", "AIR_DRY", "AIR_CLEAN"]},
              "fan": {"type": "string", "enum": ["LOW", "HIGH"]}}, "required": ["mode"]}},
             {"name": "find_movies", "parameters": {"properties": {"directed_by": {"type": "string"}, "genre": {"type": "string"}}}},
             {"name": "locate", "parameters": {"properties": {"lat": {"type": "number"}}, "required": ["lat"]}}]
            """))
        func grammar(_ text: String) -> PlanGrammar {
            ToolGrounding.grammar(PlanGrammar(robot: robot, world: nil), robot: robot, instruction: text, normalized: text.lowercased())
        }
        func accepts(_ t: String, _ g: PlanGrammar) -> Bool { GrammarState().advance(Array(t.utf8), g)?.canEnd(g) == true }
        // A value the request writes ("air dry" for AIR_DRY) is the only one left; none written, all stay.
        let dry = grammar("switch to air dry mode")
        #expect(accepts(#"set_ac(mode="AIR_DRY")"#, dry))
        #expect(!accepts(#"set_ac(mode="COOL")"#, dry))
        #expect(accepts(#"set_ac(mode="COOL")"#, grammar("switch the mode")))
        // An optional parameter whose name the request says must be given.
        let movies = grammar("a movie directed by Tim Burton")
        #expect(accepts(#"find_movies(directed_by="Tim Burton")"#, movies))
        #expect(!accepts(#"find_movies()"#, movies))
        // A number keeps every decimal it is written with.
        #expect(accepts("locate(lat=13.0827)", grammar("latitude 13.0827")))
    }

    @Test func aStretchOfTheRequestIsOneArgument() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "find_movies", "parameters": {"properties": {"directed_by": {"type": "string"}, "cast": {"type": "string"},
              "genre": {"type": "string"}}, "required": ["directed_by"]}}]
            """))
        func call(_ args: [(String, String)]) -> ActionCall { ActionCall("find_movies", args.map { .init($0.0, .string($0.1)) }) }
        #expect(ToolGrounding.withoutOverlaps(call([("directed_by", "James Gray"), ("cast", "directed by James Gray")]), robot: robot)
            == call([("directed_by", "James Gray")]))
        // Two optional ones: the longer goes. Apart or required, they stay.
        #expect(ToolGrounding.withoutOverlaps(call([("directed_by", "X"), ("cast", "Tim"), ("genre", "Tim Burton")]), robot: robot)
            == call([("directed_by", "X"), ("cast", "Tim")]))
        let apart = call([("directed_by", "James Gray"), ("cast", "Jamie Graham")])
        #expect(ToolGrounding.withoutOverlaps(apart, robot: robot) == apart)
    }

    @Test func numbersKeepTheirSignAndDecimals() {
        #expect(ToolGrounding.numbers("a loan of $500,000 and 12,000 miles") == ["500000", "12000"])
        #expect(ToolGrounding.numbers("cash flows of -$100, $40 and -2.5") == ["-100", "40", "-2.5"])
        // A percentage reads as written and as a fraction.
        #expect(ToolGrounding.numbers("the 2022-2023 season, 5% off, 0.3 odds") == ["2022", "2023", "5", "0.05", "0.3"])
        #expect(ToolGrounding.numbers("3x^2 + 2x - 1") == ["3", "2", "1", "-1"])
        #expect(ToolGrounding.numbers("CO2 from an MP3 player, code 007") == ["7"])
        #expect(ToolGrounding.numbers("1,2,3") == ["1", "2", "3"])
    }

    @Test func theGrammarOffersOnlyWhatTheRequestWrites() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "f", "parameters": {"properties": {"name": {"type": "string"}, "n": {"type": "integer"}, "x": {"type": "number", "minimum": 0},
              "tags": {"type": "array", "items": {"type": "string"}}}, "required": ["name"]}}]
            """))
        let g = ToolGrounding.grammar(PlanGrammar(robot: robot, world: nil), robot: robot, instruction: "Call Ann Lee 3 times with 2.5 and -4, tags too",
                                      normalized: "call ann lee 3 times with 2.5 and -4, tags too")
        func accepts(_ t: String) -> Bool { GrammarState().advance(Array(t.utf8), g)?.canEnd(g) == true }
        #expect(accepts(#"f(name="Ann Lee", n=3, x=2.5, tags=["Ann", "Lee"])"#))
        #expect(accepts(#"f(name="Ann", n=-4, tags=["Lee"])"#))
        #expect(!accepts(#"f(name="Ann", n=-4)"#))  // the request says "tags": they are given
        #expect(!accepts(#"f(name="ann lee")"#))  // not as written
        #expect(!accepts(#"f(name="Bob")"#))
        #expect(!accepts(#"f(name="Ann", n=30)"#))  // 3 may not grow into 30
        #expect(!accepts(#"f(name="Ann", n=2)"#))
        #expect(!accepts(#"f(name="Ann", x=-4)"#))  // below the minimum
        #expect(!accepts(#"f(name="Ann", tags=["Ann"])"#))  // one value written once goes into one place of a call
        #expect(!accepts(#"f(name="Ann", n=3, x=3)"#))
        // With no number written, numbers keep their free form.
        let free = ToolGrounding.grammar(PlanGrammar(robot: robot, world: nil), robot: robot, instruction: "call Ann", normalized: "call ann")
        #expect(GrammarState().advance(Array(#"f(name="Ann", n=42)"#.utf8), free)?.canEnd(free) == true)
        // An optional parameter the request does not speak of is left out: no "tags" here.
        #expect(GrammarState().advance(Array(#"f(name="Ann", tags=["Ann"])"#.utf8), free)?.canEnd(free) != true)
    }

    @Test func anOptionalChoiceTheRequestWritesIsGiven() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "forecast", "parameters": {"properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
              "required": ["city"]}},
             {"name": "severe_alerts", "parameters": {"properties": {"region": {"type": "string"},
              "severity": {"type": "string", "enum": ["all", "severe", "extreme"]}}, "required": ["region"]}}]
            """))
        func accepts(_ request: String, _ plan: String) -> Bool {
            let g = ToolGrounding.grammar(PlanGrammar(robot: robot, world: nil), robot: robot, instruction: request, normalized: request.lowercased())
            return GrammarState().advance(Array(plan.utf8), g)?.canEnd(g) == true
        }
        #expect(accepts("The forecast for Seattle in Fahrenheit please", #"forecast(city="Seattle", unit="fahrenheit")"#))
        #expect(!accepts("The forecast for Seattle in Fahrenheit please", #"forecast(city="Seattle")"#))
        // Not written: it may be left out.
        #expect(accepts("The forecast for Seattle please", #"forecast(city="Seattle")"#))
        // A value that is a word of the function's own name chooses nothing.
        #expect(accepts("Any severe-weather warnings for Oklahoma?", #"severe_alerts(region="Oklahoma")"#))
    }

    @Test func aFunctionThatNeedsAnUnwrittenNumberIsNotCalled() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "calories_burned", "parameters": {"properties": {"activity": {"type": "string"}, "minutes": {"type": "integer"}},
              "required": ["activity", "minutes"]}},
             {"name": "service_id", "parameters": {"properties": {"id": {"type": "integer", "description": "1 for cleaning, 2 for ironing"}},
              "required": ["id"]}},
             {"name": "mean", "parameters": {"properties": {"values": {"type": "array", "items": {"type": "number"}}}, "required": ["values"]}}]
            """))
        func kept(_ request: String) -> ([String], [String]) {
            let (g, unfilled) = ToolGrounding.withoutUnfilled(ToolGrounding.grammar(PlanGrammar(robot: robot, world: nil), robot: robot,
                instruction: request, normalized: request.lowercased()), robot: robot)
            return (g.calls.map { String(decoding: $0.name, as: UTF8.self) }, unfilled.map { "\($0.function).\($0.parameter)" })
        }
        // No number written: the functions that need one are out, unless the description says what numbers mean.
        #expect(kept("How many calories are in a Big Mac?") == (["service_id"], ["calories_burned.minutes", "mean.values"]))
        // A number in digits or in words fills them.
        #expect(kept("I ran for 30 minutes") == (["calories_burned", "service_id", "mean"], []))
        // (Number words come as digits from the normalizer: "thirty" is 30 in the normalized request.)
        #expect(ToolGrounding.withoutUnfilled(ToolGrounding.grammar(PlanGrammar(robot: robot, world: nil), robot: robot,
            instruction: "I ran for thirty minutes", normalized: "i ran for 30 minutes"), robot: robot).unfilled.isEmpty)
    }

    @Test func relevanceComesFromTheFunctionsOwnWords() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "find_restaurants", "description": "Locate nearby restaurants based on location and food preferences.",
              "parameters": {"properties": {"location": {"type": "string"}}}}]
            """))
        #expect(ToolGrounding.relevance("Find 5 restaurants in Manhattan", robot: robot) == .named)
        #expect(ToolGrounding.relevance("What is the capital of France?", robot: robot) == .unrelated)
        #expect(ToolGrounding.relevance("Which food is nearby my location?", robot: robot) == .unclear)
    }

    @Test func repeatedCallsGoUnlessTheRequestAsksTwice() {
        let a = ActionCall("area", [.init("base", .integer(10))])
        let b = ActionCall("area", [.init("base", .integer(12))])
        let pair = "area of base 10 and base 12"
        #expect(ToolGrounding.droppingRepeats([a, b, a, a], normalized: pair, instruction: pair) == [a, b])
        #expect(ToolGrounding.droppingRepeats([a, a], normalized: "area of base 10 twice", instruction: "Area of base 10 twice") == [a, a])
        let list = ActionCall("f", [.init("items", .list([.string("a"), .string("a"), .string("b")]))])
        #expect(ToolGrounding.droppingRepeats([list], normalized: "x", instruction: "x") == [ActionCall("f", [.init("items", .list([.string("a"), .string("b")]))])])
        // An item the request writes twice stays twice, no more.
        let points = ActionCall("median", [.init("data", .list([3, 4, 5, 2, 8, 5, 5].map { ConfigValue.integer($0) }))])
        let text = "the median of the data points 3,4,5,2,8,5"
        #expect(ToolGrounding.droppingRepeats([points], normalized: text, instruction: text)
                == [ActionCall("median", [.init("data", .list([3, 4, 5, 2, 8, 5].map { ConfigValue.integer($0) }))])])
    }

    /// A part of a request that writes no value of its own ("Also find the mode of these points.") is offered the
    /// whole request's values, not free numbers.
    @Test func aPartThatRefersBackTakesTheWholeRequestsValues() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "mode", "parameters": {"properties": {"data": {"type": "array", "items": {"type": "integer"}}}, "required": ["data"]}}]
            """))
        let whole = "Find the median of 3,4,5,2,8,5. Also find the mode of these points."
        let part = "Also find the mode of these points."
        let g = ToolGrounding.grammar(PlanGrammar(robot: robot, world: nil), robot: robot, instruction: part, normalized: part.lowercased(),
                                      valuesFrom: (whole, whole.lowercased()))
        func accepts(_ t: String) -> Bool { GrammarState().advance(Array(t.utf8), g)?.canEnd(g) == true }
        #expect(accepts("mode(data=[3, 4, 5, 2, 8, 5])"))
        #expect(!accepts("mode(data=[100, 101])"))
        let alone = ToolGrounding.grammar(PlanGrammar(robot: robot, world: nil), robot: robot, instruction: part, normalized: part.lowercased())
        #expect(GrammarState().advance(Array("mode(data=[100, 101])".utf8), alone)?.canEnd(alone) == true)
    }

    /// A parameter that names a place takes the request's proper names; another parameter, or a request that
    /// writes no proper name, keeps all its spans.
    @Test func aParameterThatNamesAPlaceTakesTheRequestsNames() throws {
        #expect(ToolGrounding.namesAPlace("city", description: "The city, e.g. Los Angeles"))
        #expect(ToolGrounding.namesAPlace("where_to", description: "The location of the house"))
        #expect(ToolGrounding.namesAPlace("destinationAirport", description: ""))
        #expect(!ToolGrounding.namesAPlace("departure_time", description: "The departure time in 24-hour format, such as '18:45'."))
        #expect(!ToolGrounding.namesAPlace("company", description: "The company, such as 'Apple Inc.'"))
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "get_movies", "parameters": {"properties": {
              "city": {"type": "string", "description": "The city, e.g. Los Angeles"},
              "note": {"type": "string", "description": "Anything else"}}, "required": ["city", "note"]}}]
            """))
        func grammar(_ request: String) -> PlanGrammar {
            ToolGrounding.grammar(PlanGrammar(robot: robot, world: nil), robot: robot, instruction: request, normalized: request.lowercased())
        }
        let named = grammar("What movies are playing today in Mumbai?")
        func accepts(_ t: String, _ g: PlanGrammar) -> Bool { GrammarState().advance(Array(t.utf8), g)?.canEnd(g) == true }
        #expect(accepts(#"get_movies(city="Mumbai", note="today")"#, named))
        #expect(!accepts(#"get_movies(city="today in Mumbai", note="today")"#, named))
        #expect(!accepts(#"get_movies(city="What", note="today")"#, named))  // a sentence's first word is not a name by its capital
        #expect(!ToolGrounding.properNames("so I'm in Rome", among: ToolGrounding.spans("so I'm in Rome")).contains(Array("I'm in Rome".utf8)))
        #expect(accepts(#"get_movies(city="Mumbai", note="today in Mumbai")"#, named))  // not a place: every span
        let lower = grammar("what movies are playing today in mumbai?")
        #expect(accepts(#"get_movies(city="mumbai", note="today")"#, lower))
        #expect(ToolGrounding.properNames("Tickets for Mamma Mia in New York, please. Thanks", among: ToolGrounding.spans("Tickets for Mamma Mia in New York, please. Thanks"))
                == Set(["Mamma", "Mamma Mia", "Mia", "Mamma Mia in New York", "Mamma Mia in New", "Mia in New York", "Mia in New", "New", "New York", "York"].map { Array($0.utf8) }))
    }
}
