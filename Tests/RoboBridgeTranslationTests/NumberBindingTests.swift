import RoboBridgeConfig
import RoboBridgeProtocol
import RoboBridgeTranslation
import Testing

/// Numbers go to the parameter named next to them.
@Suite("Number binding")
struct NumberBindingTests {
    func tools() throws -> Robot {
        try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "triangle_area", "parameters": {"properties": {"base": {"type": "number"}, "height": {"type": "number"},
              "unit": {"type": "string"}}, "required": ["base", "height"]}},
             {"name": "gcd", "parameters": {"properties": {"num1": {"type": "integer"}, "num2": {"type": "integer"}}, "required": ["num1", "num2"]}},
             {"name": "loan", "parameters": {"properties": {"principal": {"type": "number"}, "rate": {"type": "number", "maximum": 1},
              "years": {"type": "integer"}}, "required": ["principal", "rate", "years"]}}]
            """))
    }

    func call(_ name: String, _ args: [(String, ConfigValue)]) -> ActionCall { ActionCall(name, args.map { .init($0.0, $0.1) }) }

    @Test func eachNumberGoesToTheParameterNamedNextToIt() throws {
        let robot = try tools()
        let swapped = call("triangle_area", [("base", .number(5)), ("height", .number(10))])
        #expect(NumberBinding.rebinding(swapped, instruction: "the area of a triangle with base 10 and height 5", robot: robot)
            == call("triangle_area", [("base", .number(10)), ("height", .number(5))]))
        #expect(NumberBinding.rebinding(swapped, instruction: "a triangle: a height of 10 m, a base of 5 m", robot: robot) == swapped)
        // A number the model did not take, next to its parameter's name; a rate within its maximum only.
        let loan = call("loan", [("principal", .number(5)), ("rate", .number(0.05)), ("years", .integer(30))])
        #expect(NumberBinding.rebinding(loan, instruction: "a principal of $200,000 at a rate of 5% (0.05) over 30 years", robot: robot)
            == call("loan", [("principal", .number(200000)), ("rate", .number(0.05)), ("years", .integer(30))]))
    }

    @Test func aNumbersUnitAndTheWordsAroundItSayWhereItGoes() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "heat_energy", "parameters": {"properties": {"mass": {"type": "number", "description": "Mass in kilograms."},
              "specific_heat": {"type": "number", "description": "Specific heat capacity in J/(kg·K)."},
              "temperature_change": {"type": "number", "description": "Temperature change in degrees Celsius."}},
              "required": ["mass", "specific_heat", "temperature_change"]}},
             {"name": "pendulum", "parameters": {"properties": {"length": {"type": "number", "description": "Length in meters."},
              "gravity": {"type": "number", "description": "Acceleration in m/s^2."}}, "required": ["length", "gravity"]}},
             {"name": "passes", "parameters": {"properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"},
              "num_passes": {"type": "integer"}}, "required": ["latitude", "longitude"]}},
             {"name": "house", "parameters": {"properties": {"address": {"type": "string"}, "bedrooms": {"type": "integer"},
              "square_feet": {"type": "integer"}}, "required": ["address", "bedrooms", "square_feet"]}}]
            """))
        // Units: kg is a mass, °C a temperature change; the number left over goes where no cue says otherwise.
        let heat = call("heat_energy", [("mass", .number(30)), ("specific_heat", .number(2)), ("temperature_change", .number(4186))])
        #expect(NumberBinding.rebinding(heat, instruction: "warm 2 kg of water by 30°C, with 4186 J/kg·K", robot: robot)
            == call("heat_energy", [("mass", .number(2)), ("specific_heat", .number(4186)), ("temperature_change", .number(30))]))
        // "2-meter" is a length; "m/s²" is no length.
        let swung = call("pendulum", [("length", .number(1.62)), ("gravity", .number(2))])
        #expect(NumberBinding.rebinding(swung, instruction: "a 2-meter pendulum where g = 1.62 m/s²", robot: robot)
            == call("pendulum", [("length", .number(2)), ("gravity", .number(1.62))]))
        // A named parameter takes its number; the others keep the request's order.
        let iss = call("passes", [("latitude", .number(36.8219)), ("longitude", .number(3)), ("num_passes", .integer(3))])
        #expect(NumberBinding.rebinding(iss, instruction: "over Nairobi (-1.2921, 36.8219)? Just the next 3 passes", robot: robot)
            == call("passes", [("latitude", .number(-1.2921)), ("longitude", .number(36.8219)), ("num_passes", .integer(3))]))
        // A number inside a text argument is that text's: the model's binding stays.
        let house = call("house", [("address", .string("42 Maple Ave")), ("bedrooms", .integer(3)), ("square_feet", .integer(1850))])
        #expect(NumberBinding.rebinding(house, instruction: "What is 42 Maple Ave worth? 3 bed, 1,850 sq ft", robot: robot) == house)
    }

    @Test func aNumberInsideATextArgumentIsNotAlsoANumber() throws {
        let robot = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "ride", "parameters": {"properties": {"loc": {"type": "string"}, "time": {"type": "integer"}}, "required": ["loc", "time"]}}]
            """))
        let text = "a ride from 2020 Addison Street, and I can wait up to 600 seconds"
        let taken = call("ride", [("loc", .string("2020 Addison Street")), ("time", .integer(2020))])
        #expect(NumberBinding.outsideText(taken, instruction: text, robot: robot)
            == call("ride", [("loc", .string("2020 Addison Street")), ("time", .integer(600))]))
        // Written outside the text too, or with no single other number: the call stays.
        let fine = call("ride", [("loc", .string("2020 Addison Street")), ("time", .integer(600))])
        #expect(NumberBinding.outsideText(fine, instruction: text, robot: robot) == fine)
        #expect(NumberBinding.outsideText(taken, instruction: text + " or 900", robot: robot) == taken)
    }

    @Test func theCallStaysWhenTheTextDoesNotDecide() throws {
        let robot = try tools()
        // No parameter named in the text.
        let gcd = call("gcd", [("num1", .integer(128)), ("num2", .integer(96))])
        #expect(NumberBinding.rebinding(gcd, instruction: "the GCD of 96 and 128", robot: robot) == gcd)
        // One parameter named, the other not.
        let t = call("triangle_area", [("base", .number(5)), ("height", .number(10))])
        #expect(NumberBinding.rebinding(t, instruction: "a triangle 10 tall with base 5", robot: robot) == t)
        // An ordinal that orders the request's sentences is no cue ("Second, ...").
        let notes = try ToolSet.robot(from: try JSONValue.parse("""
            [{"name": "note_ratio", "parameters": {"properties": {"first_frequency": {"type": "number"}, "second_frequency": {"type": "number"}},
              "required": ["first_frequency", "second_frequency"]}}]
            """))
        let ratio = call("note_ratio", [("first_frequency", .number(440)), ("second_frequency", .number(880))])
        #expect(NumberBinding.rebinding(ratio, instruction: "First, the GCD of 48 and 36. Second, notes at 440 Hz and 880 Hz", robot: notes)
            == ratio)
        // Names too far from any number.
        #expect(NumberBinding.rebinding(t, instruction: "base and height of the big triangle we drew yesterday: 10, 5", robot: robot) == t)
    }
}
