import RoboBridgeConfig
import RoboBridgeProtocol
import RoboBridgeTranslation
import Testing

/// Lists in a request ("Boston and San Francisco") give one call per member.
@Suite("Coordination")
struct CoordinationTests {
    @Test func namesNumbersAndQuotedPhrasesFormLists() {
        #expect(Coordination.list(containing: "Boston", in: "What's the weather in Boston and San Francisco?") == ["Boston", "San Francisco"])
        #expect(Coordination.list(containing: "San Francisco", in: "What's the weather in Boston and San Francisco?") == ["Boston", "San Francisco"])
        #expect(Coordination.list(containing: "London", in: "Weather in Paris, London, and New York City today") == ["Paris", "London", "New York City"])
        #expect(Coordination.list(containing: "Daft Punk", in: "Play Daft Punk and Blink 182, 30 and 45 minutes respectively")
            == ["Daft Punk", "Blink 182"])
        #expect(Coordination.list(containing: "30", in: "Play Daft Punk and Blink 182, 30 and 45 minutes respectively") == ["30", "45"])
        #expect(Coordination.list(containing: "3", in: "two samples of 5 moles and 3 moles") == ["5", "3"])
        #expect(Coordination.list(containing: "5", in: "cuboids of 10m, 5m, and 8m") == ["10", "5", "8"])
        #expect(Coordination.list(containing: "-2.5", in: "at $1,200, -2.5 & 7") == ["1200", "-2.5", "7"])
        #expect(Coordination.list(containing: "Rook Corner", in: "clubs 'Knight Gambit' and 'Rook Corner'") == ["Knight Gambit", "Rook Corner"])
        #expect(Coordination.list(containing: "Lakers", in: "scores of the Celtics and the Lakers") == ["Celtics", "Lakers"])
        #expect(Coordination.list(containing: "beef", in: "recipes with chicken, beef & tofu") == ["chicken", "beef", "tofu"])  // one word each
        #expect(Coordination.list(containing: "BTC", in: "What are BTC and ETH at?") == ["BTC", "ETH"])  // codes, when the value is one
        // The preposition before the first member may come again before the others; "versus" compares members.
        #expect(Coordination.list(containing: "Coldplay", in: "songs by Adele and by Coldplay") == ["Adele", "Coldplay"])
        #expect(Coordination.list(containing: "Lisbon", in: "flights to Lisbon, to Oslo and to Riga") == ["Lisbon", "Oslo", "Riga"])
        #expect(Coordination.list(containing: "2010", in: "the GDP of Peru in 1990 and in 2010") == ["1990", "2010"])
        #expect(Coordination.list(containing: "20", in: "a mortgage over 20 years versus 30 years") == ["20", "30"])
        // The first word of a sentence is no name a number belongs to.
        #expect(Coordination.list(containing: "40", in: "Convert 40 and 60 meters to feet") == ["40", "60"])
    }

    @Test func whatIsNotAList() {
        #expect(Coordination.list(containing: "10", in: "a triangle with base 10 and height 5") == nil)  // a word before the number
        #expect(Coordination.list(containing: "1", in: "a random number between 1 and 100") == nil)  // a range
        #expect(Coordination.list(containing: "1800", in: "events between the years 1800 and 1900") == nil)
        #expect(Coordination.list(containing: "New York", in: "a restaurant in New York and suggest a hotel") == nil)  // a verb follows
        #expect(Coordination.list(containing: "then", in: "go there and then come back") == nil)  // not a value
        #expect(Coordination.list(containing: "Boston", in: "the weather in Boston") == nil)
        #expect(Coordination.list(containing: "Boston", in: "from Boston and New York") == nil)  // a pair after "from"
        #expect(Coordination.list(containing: "Boston", in: "the weather in Boston, MA") == nil)  // a comma alone qualifies
        #expect(Coordination.list(containing: "Berkeley", in: "an Uber from Addison Street, Berkeley, CA, and I can wait") == nil)
        #expect(Coordination.list(containing: "Paris", in: "in Paris, France and Rome, Italy") == nil)  // not read: qualified names
        #expect(Coordination.list(containing: "2", in: "at least 2 bedrooms and 3 bathrooms") == nil)  // units differ
        #expect(Coordination.list(containing: "5", in: "180 lbs, 5'11 tall") == nil)
        #expect(Coordination.list(containing: "2", in: "the vectors [1, 2, 3] and [4, 5, 6]") == nil)
        #expect(Coordination.list(containing: "Adele", in: "songs by Adele and for Coldplay") == nil)  // another preposition
        #expect(Coordination.list(containing: "GBP", in: "Convert 40 GBP to CAD, and 75 GBP to CHF") == nil)  // "75 GBP" is no name
    }

    @Test func followUpClausesAskForTheLastCallAgain() throws {
        let robot = try tools()
        let boston = ActionCall("weather.get", [.init("city", .string("Boston")), .init("days", .integer(3))])
        func follow(_ s: String) -> [String] {
            Coordination.followingUp([boston], instruction: s, robot: robot, limit: 8).map(\.description)
        }
        #expect(follow("The 3-day forecast for Boston? Also for Denver.") == [boston.description, #"weather.get(city="Denver", days=3)"#])
        #expect(follow("Forecast for Boston, 3 days. What about Austin and El Paso?")
            == [boston.description, #"weather.get(city="Austin", days=3)"#, #"weather.get(city="El Paso", days=3)"#])
        #expect(follow("Forecast for Boston for 3 days. Then for 5 days.") == [boston.description, #"weather.get(city="Boston", days=5)"#])
        // A clause that does not open as a follow-up, or repeats the values, adds nothing.
        #expect(follow("Forecast for Boston for 3 days. Denver is nice.") == [boston.description])
        #expect(follow("Forecast for Boston for 3 days. Also for Boston.") == [boston.description])
        #expect(Coordination.clauses("Is 9.5 big? What about 7, and also 8; fine.") == ["Is 9.5 big?", "What about 7,", "and also 8;", "fine."])
    }

    func tools() throws -> Robot {
        try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "weather.get", "parameters": {"properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]}},
             {"name": "play", "parameters": {"properties": {"artist": {"type": "string"}, "minutes": {"type": "integer"}}, "required": ["artist"]}},
             {"name": "gcd", "parameters": {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}},
             {"name": "mean", "parameters": {"properties": {"xs": {"type": "array", "items": {"type": "number"}}}, "required": ["xs"]}},
             {"name": "cook", "parameters": {"properties": {"ingredients": {"type": "string"}}, "required": ["ingredients"]}},
             {"name": "convert", "parameters": {"properties": {"amount": {"type": "number"}, "from": {"type": "string"}, "to": {"type": "string"}},
                "required": ["amount", "from", "to"]}},
             {"name": "box", "parameters": {"properties": {"width": {"type": "number"}, "length": {"type": "number"}}, "required": ["width", "length"]}},
             {"name": "loan", "parameters": {"properties": {"principal": {"type": "number"}, "rate": {"type": "number"}, "years": {"type": "integer"}},
                "required": ["principal", "rate", "years"]}}]
            """))
    }

    @Test func aCallIsMadeOncePerMember() throws {
        let robot = try tools()
        let weather = ActionCall("weather.get", [.init("city", .string("Boston")), .init("days", .integer(3))])
        #expect(Coordination.expanding([weather], instruction: "Forecast for Boston, Denver and Salt Lake City, 3 days", robot: robot, limit: 8) == [
            weather,
            ActionCall("weather.get", [.init("city", .string("Denver")), .init("days", .integer(3))]),
            ActionCall("weather.get", [.init("city", .string("Salt Lake City")), .init("days", .integer(3))]),
        ])
        // Two lists of one length go together, member by member.
        let play = ActionCall("play", [.init("artist", .string("Daft Punk")), .init("minutes", .integer(30))])
        #expect(Coordination.expanding([play], instruction: "Play Daft Punk and Blink 182, 30 and 45 minutes respectively", robot: robot, limit: 8) == [
            play, ActionCall("play", [.init("artist", .string("Blink 182")), .init("minutes", .integer(45))]),
        ])
        // A call that already holds the list's members, or a list parameter, stays as it is; calls already made are not repeated.
        let gcd = ActionCall("gcd", [.init("a", .integer(96)), .init("b", .integer(128))])
        #expect(Coordination.expanding([gcd], instruction: "the GCD of 96 and 128", robot: robot, limit: 8) == [gcd])
        let mean = ActionCall("mean", [.init("xs", .list([.number(1), .number(2)]))])
        #expect(Coordination.expanding([mean], instruction: "the mean of 1 and 2", robot: robot, limit: 8) == [mean])
        let denver = ActionCall("weather.get", [.init("city", .string("Denver"))])
        #expect(Coordination.expanding([denver, ActionCall("weather.get", [.init("city", .string("Boston"))])],
                                       instruction: "weather in Boston and Denver", robot: robot, limit: 8).count == 2)
        // A value written whole is not cut into members.
        let pge = ActionCall("weather.get", [.init("city", .string("Pacific Gas and Electric"))])
        let tesla = ActionCall("weather.get", [.init("city", .string("Tesla"))])
        #expect(Coordination.expanding([pge, tesla], instruction: "for Pacific Gas and Electric and Tesla", robot: robot, limit: 8) == [pge, tesla])
        // At most `limit` calls.
        #expect(Coordination.expanding([denver], instruction: "weather in Boston, Denver, Austin and Miami", robot: robot, limit: 2).count == 2)
        // A value that holds a whole list is that list — unless its parameter takes several things in one text.
        let held = ActionCall("weather.get", [.init("city", .string("forecasts for Lima, Quito and La Paz"))])
        #expect(Coordination.expanding([held], instruction: "Get the forecasts for Lima, Quito and La Paz", robot: robot, limit: 8)
            .map(\.description) == [#"weather.get(city="Lima")"#, #"weather.get(city="Quito")"#, #"weather.get(city="La Paz")"#])
        let cook = ActionCall("cook", [.init("ingredients", .string("eggs, milk, and flour"))])
        #expect(Coordination.expanding([cook], instruction: "Cook with eggs, milk, and flour", robot: robot, limit: 8) == [cook])
        let one = ActionCall("weather.get", [.init("city", .string("Boston, MA"))])
        #expect(Coordination.expanding([one], instruction: "weather in Boston, MA", robot: robot, limit: 8) == [one])
    }

    @Test func aRequestSaidAgainForOtherValuesGivesACallPerClause() throws {
        let robot = try tools()
        func groups(_ call: ActionCall, _ s: String) -> [String] {
            Coordination.repeatingGroups([call], instruction: s, robot: robot, limit: 8).map(\.description)
        }
        let convert = ActionCall("convert", [.init("amount", .number(40)), .init("from", .string("GBP")), .init("to", .string("CAD"))])
        #expect(groups(convert, "Convert 40 GBP to CAD, 90 GBP to CHF, and 12 GBP to SEK.") == [
            #"convert(amount=40, from="GBP", to="CAD")"#, #"convert(amount=90, from="GBP", to="CHF")"#, #"convert(amount=12, from="GBP", to="SEK")"#,
        ])
        // Numbers go to their places by the clause that holds the call's own, then by the parameters named next to them.
        let box = ActionCall("box", [.init("width", .number(5)), .init("length", .number(2))])
        #expect(groups(box, "A box 2 m wide and 3 m long. Then one 4 m wide and 5 m long.") == [
            "box(width=2, length=3)", "box(width=4, length=5)",
        ])
        // Not a repetition: one request whose numbers stand in separate clauses, or numbers with different words beside them.
        let loan = ActionCall("loan", [.init("principal", .number(5000)), .init("rate", .number(4)), .init("years", .integer(6))])
        #expect(groups(loan, "Invest $5000, at 4%, for 6 years") == [loan.description])
        let weather = ActionCall("weather.get", [.init("city", .string("Boston")), .init("days", .integer(3))])
        #expect(groups(weather, "Forecast for Boston for 3 days, in Celsius, starting at 9 am") == [weather.description])
        #expect(groups(weather, "Forecast for Boston for 3 days") == [weather.description])
    }

    @Test func partsOfARequestTheCallsDidNotTouchAreAskedForOnTheirOwn() throws {
        let box = ActionCall("box", [.init("width", .number(2)), .init("length", .number(3))])
        #expect(Coordination.uncoveredParts("Find the area of a box 2 m wide and 3 m long. Also convert 5 miles to km.", calls: [box])
            == ["Also convert 5 miles to km."])
        let paris = ActionCall("weather.get", [.init("city", .string("Paris"))])
        #expect(Coordination.uncoveredParts("Weather in Paris, and then the time in Tokyo", calls: [paris]) == ["and then the time in Tokyo"])
        // A part whose values a call took, or one without values, asks for nothing more.
        #expect(Coordination.uncoveredParts("Find the area of a box 2 m wide, and 3 m long.", calls: [box]) == [])
        #expect(Coordination.uncoveredParts("Weather in Paris. I am going there soon.", calls: [paris]) == [])
        #expect(Coordination.uncoveredParts("Weather in Paris", calls: [paris]) == [])
        // A later part that names a function no call is of.
        let robot = try tools()
        #expect(Coordination.uncoveredParts("Weather in Paris. Then play some jazz.", calls: [paris], robot: robot) == ["Then play some jazz."])
        #expect(Coordination.uncoveredParts("Weather in Paris. Then the weather tomorrow.", calls: [paris], robot: robot) == [])
        let chicago = ActionCall("weather.get", [.init("city", .string("Chicago, IL"))])
        #expect(Coordination.uncoveredParts("I'm in Chicago, IL, and I'm after a music event.", calls: [chicago], robot: robot) == [])  // "I'm" is no name
        // A call made for a part alone is kept when it takes the part's values or is of a function the part names.
        let tokyo = ActionCall("weather.get", [.init("city", .string("Tokyo"))])
        #expect(Coordination.answers(tokyo, part: "and then the time in Tokyo", robot: robot))
        #expect(Coordination.answers(ActionCall("play", [.init("artist", .string("jazz"))]), part: "Then play some jazz.", robot: robot))
        #expect(!Coordination.answers(ActionCall("cook", [.init("ingredients", .string("full"))]), part: "Provide the full API call", robot: robot))
    }
}

/// The real model with both mechanisms, on tool sets written for this test.
@Suite("Coordination and binding with the real model")
struct CoordinationModelTests {
    @Test func listsGiveOneCallPerMemberAndNumbersTheirParameters() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "get_weather", "description": "Current weather in a city.", "parameters": {"type": "object", "properties": {
                "city": {"type": "string", "description": "The city"}}, "required": ["city"]}},
             {"name": "rectangle_area", "description": "Area of a rectangle.", "parameters": {"type": "object", "properties": {
                "length": {"type": "number"}, "width": {"type": "number"}}, "required": ["length", "width"]}}]
            """))
        let t = try Translator(model: try TranslatorTests.model.get(), robot: robot, world: nil)
        let weather = try t.translate("What is the weather like in Boston, Chicago and San Diego right now?")
        #expect(weather.outcome == "ok")
        #expect(weather.actions.map(\.description) == [#"get_weather(city="Boston")"#, #"get_weather(city="Chicago")"#, #"get_weather(city="San Diego")"#])
        let area = try t.translate("Find the area of a rectangle whose width is 3 and whose length is 12")
        #expect(area.actions.map(\.description) == ["rectangle_area(length=12, width=3)"])
    }
}
