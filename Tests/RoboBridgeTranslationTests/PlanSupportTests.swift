import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import Testing

/// Calls a request does not support are left out of a plan, never the whole plan, and what streams out before the
/// plan ends is always a start of what is left.
@Suite("Plan support")
struct PlanSupportTests {
    let climb = ActionCall("change_altitude", [.init("altitude_m", .number(20))])
    let hover = ActionCall("hover", [.init("seconds", .integer(30))])
    let tower = ActionCall("fly_to", [.init("waypoint", .string("water_tower"))])

    @Test func callsNothingInTheRequestSupportsAreDropped() throws {
        let (drone, farm) = try load("drone", "farm")
        let support = PlanSupport(normalized: "i'd like you to go up to 20 metres", robot: drone, world: farm)
        #expect(support.supported([climb, hover]) == [climb])
        #expect(support.supported([tower, climb]) == [climb])
        // Calls with nothing to check stay; a plan with no supported call stays whole.
        #expect(support.supported([climb, ActionCall("return_home")]) == [climb, ActionCall("return_home")])
        #expect(support.supported([hover, tower]) == [hover, tower])
        // What streams out is a start of what is left, whatever comes next.
        #expect(support.reportable([tower]) == [])
        #expect(support.reportable([ActionCall("land"), tower]) == [ActionCall("land")])
        #expect(support.reportable([tower, climb]) == [climb])
        // A call with no arguments is supported when the request speaks of it.
        let speaking = PlanSupport(normalized: "go up to 20 metres, then come back", robot: drone, world: farm) { $0 == "return_home" }
        #expect(speaking.supported([climb, ActionCall("return_home"), ActionCall("land")]) == [climb, ActionCall("return_home")])
    }

    @Test func aTextSaysTheWordsOfANameTheRequestSays() throws {
        let (arm, bench) = try load("arm", "workbench")
        let count = ActionCall("count_parts", [.init("kind", .string("blue blocks")), .init("max", .integer(20))])
        // "blue blocks" is the blue_block's words, plural: the count is what the request asks, as much as going home.
        let support = PlanSupport(normalized: "count the blue_block, then go home", robot: arm, world: bench) { $0 == "home" }
        #expect(support.supported([count, ActionCall("home")]) == [count, ActionCall("home")])
        let other = ActionCall("count_parts", [.init("kind", .string("green gears")), .init("max", .integer(20))])
        #expect(support.supported([other, ActionCall("home")]) == [ActionCall("home")])
    }

    /// A call the one before it already does, by its description ("return_home: Fly back to the home pad and land."),
    /// is left out; streamed or not.
    @Test func aCallThePreviousOneDoesIsLeftOut() throws {
        let (drone, farm) = try load("drone", "farm")
        let support = PlanSupport(normalized: "head back home and land", robot: drone, world: farm)
        let home = ActionCall("return_home"), land = ActionCall("land")
        #expect(support.supported([home, land]) == [home])
        #expect(support.reportable([home, land]) == [home])
        // Only after it: landing first and then flying home is another plan.
        #expect(support.supported([land, home]) == [land, home])
        // Flying to the home pad and landing is return_home; streamed, the flight waits for what follows it.
        let pad = ActionCall("fly_to", [.init("waypoint", .string("home_pad"))])
        let base = PlanSupport(normalized: "fly back to home_pad and land", robot: drone, world: farm)
        #expect(base.supported([pad, land]) == [home])
        #expect(base.reportable([pad]) == [])
        #expect(base.reportable([pad, land]) == [home])
        #expect(base.supported([pad, ActionCall("hover", [.init("seconds", .integer(5))])]).first == pad)
        let (rover, apartment) = try load("rover", "apartment")
        #expect(PlanSupport(normalized: "dock and stop", robot: rover, world: apartment).supported([ActionCall("dock"), ActionCall("stop")])
            == [ActionCall("dock"), ActionCall("stop")])
        // A drive to where an action goes by itself ("dock: Drive to the charging dock and …") is that action's.
        let charger = ActionCall("navigate_to", [.init("target", .string("charging_dock"))])
        let charge = PlanSupport(normalized: "go back to the charging_dock and charge", robot: rover, world: apartment)
        #expect(charge.supported([charger, ActionCall("dock")]) == [ActionCall("dock")])
        #expect(charge.reportable([charger]) == [])
        let kitchen = ActionCall("navigate_to", [.init("target", .string("kitchen"))])
        #expect(charge.supported([kitchen, ActionCall("dock")]) == [kitchen, ActionCall("dock")])
    }

    @Test func placesThatFollowFromTheRequestAreSupported() throws {
        let (rover, apartment) = try load("rover", "apartment")
        // The apple lies on the kitchen counter: going there is part of fetching it.
        let support = PlanSupport(normalized: "bring the apple to the coffee_table", robot: rover, world: apartment)
        let plan = [ActionCall("navigate_to", [.init("target", .string("kitchen_counter"))]), ActionCall("pick", [.init("object", .string("apple"))]),
                    ActionCall("navigate_to", [.init("target", .string("coffee_table"))]), ActionCall("place", [.init("target", .string("coffee_table"))])]
        #expect(support.supported(plan) == plan)
        #expect(support.supported(plan + [ActionCall("navigate_to", [.init("target", .string("bathroom"))])]) == plan)
    }
}
