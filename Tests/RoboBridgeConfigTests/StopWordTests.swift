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
}
