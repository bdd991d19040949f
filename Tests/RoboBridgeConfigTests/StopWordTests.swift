import RoboBridgeConfig
import Testing

@Suite("Stop words")
struct StopWordTests {
    @Test func aStopWordSaidWithTheRobotsNameIsStillOne() {
        let m = StopWordMatcher(["stop", "halt", "hold position"], names: ["drone", "quadcopter"])
        #expect(m.matches("halt the drone now"))
        #expect(m.matches("Stop, quadcopter!"))
        #expect(m.matches("HOLD POSITION"))
        #expect(m.matches("stop it"))
        // A request that goes on is no stop word; another name is not the robot's.
        #expect(!m.matches("stop at the barn"))
        #expect(!m.matches("halt the tractor"))
        #expect(!StopWordMatcher(["halt"]).matches("halt the drone"))
    }

    @Test func aStopSaidAgainOrBeforeTheReasonIsOne() {
        let m = StopWordMatcher(["stop", "halt", "freeze", "abort", "don't move"], names: ["arm"])
        #expect(m.matches("stop stop stop"))
        #expect(m.matches("abort, abort"))
        #expect(m.matches("halt right there"))
        #expect(m.matches("abort the flight"))
        #expect(m.matches("freeze, something is caught in the gripper"))
        #expect(m.matches("whoa, don't move"))
        // Hesitation before it, as speech-to-text writes it.
        #expect(m.matches("um stop"))
        #expect(m.matches("uh, halt"))
        #expect(m.matches("Stop! The cat is under you."))
        #expect(StopWordMatcher(["emergency stop"]).matches("emergency stop - my hand is in the way"))
        #expect(!StopWordMatcher(["e-stop"]).matches("e-stop test tomorrow"))
        // A stop phrase inside a request, or one the request goes on from, is not one.
        #expect(!m.matches("count the gears, but stop at twelve"))
        #expect(!m.matches("stop at the barn"))
        #expect(!m.matches("go to the kitchen, then stop"))
        #expect(!m.matches("whoa, go to the kitchen"))
        #expect(!m.matches("stop by the kitchen and pick up the mug"))
    }
}
