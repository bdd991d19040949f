/// A robot: what it can do (its actions and their parameters), and how RoboBridge drives it.
public struct Robot: Sendable, Equatable {
    public var id: String
    public var description: String
    public var kind: String
    /// The world file to use when none is given (resolved relative to the robot file).
    public var defaultWorld: String?
    public var actions: [Action]
    public var examples: [Example]
    public var limits: Limits
    public var latencyBudgetMs: Int
    public var model: ModelSettings
    public var endpoints: [String: String]
    public var stopWords: [String]
    public var fallback: FallbackPolicy
    /// How the simulator plays it (nil: no `body:` in the file; the robot cannot be simulated).
    public var body: Body?

    /// The robot's state after a call, as its body's behaviour for the action leaves it (`Body.Behaviour.effects`).
    public func facts(after call: ActionCall, from facts: [String: Bool]) -> [String: Bool] {
        facts.merging(body?.behaviours[call.name]?.effects ?? [:]) { $1 }
    }
    /// CurveZMQ on the bridge's endpoints (nil: no `security:` in the file; plain ZeroMQ).
    public var security: Security?
    /// The file it was loaded from.
    public var file: String

    public func action(named name: String) -> Action? { actions.first { $0.name == name } }

    /// A robot made in code (for tool sets that do not come from a robot file).
    public init(id: String, description: String = "", kind: String = "tools", actions: [Action], examples: [Example] = [],
                stopWords: [String] = [], file: String = "<memory>") {
        self.init(id: id, description: description, kind: kind, defaultWorld: nil, actions: actions, examples: examples,
                  limits: Limits(), latencyBudgetMs: 500, model: ModelSettings(), endpoints: [:], stopWords: stopWords,
                  fallback: FallbackPolicy(), file: file)
    }

    init(id: String, description: String, kind: String, defaultWorld: String?, actions: [Action], examples: [Example], limits: Limits,
         latencyBudgetMs: Int, model: ModelSettings, endpoints: [String: String], stopWords: [String], fallback: FallbackPolicy, file: String) {
        self.id = id
        self.description = description
        self.kind = kind
        self.defaultWorld = defaultWorld
        self.actions = actions
        self.examples = examples
        self.limits = limits
        self.latencyBudgetMs = latencyBudgetMs
        self.model = model
        self.endpoints = endpoints
        self.stopWords = stopWords
        self.fallback = fallback
        self.file = file
    }
}

public struct Action: Sendable, Equatable {
    public init(name: String, description: String, parameters: [Parameter], requiresConfirmation: Bool = false, maxRateHz: Double? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.requiresConfirmation = requiresConfirmation
        self.maxRateHz = maxRateHz
    }

    public var name: String
    public var description: String
    public var parameters: [Parameter]
    /// The action needs an explicit confirmation before it runs.
    public var requiresConfirmation: Bool
    /// The most times per second the action may be sent (nil: unlimited).
    public var maxRateHz: Double?
    /// The robot's state in which the action can start a plan (`airborne`, `holding` → true/false), as its
    /// sensors tell: "climb to 20 m" is `takeoff` on the ground and `change_altitude` in the air. A later
    /// call of a plan is in the state the calls before it leave (`Robot.facts(after:from:)`).
    public var when: [String: Bool] = [:]

    /// The states `when` may name.
    public static let facts: Set<String> = ["airborne", "holding"]

    /// Whether the action can start a plan in a state (facts not known do not restrict).
    public func canStart(in facts: [String: Bool]) -> Bool {
        when.allSatisfy { fact, value in facts[fact].map { $0 == value } ?? true }
    }

    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }
}

public struct Parameter: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case number, integer, string, boolean, `enum` }

    public var name: String
    public var kind: Kind
    public var description: String
    public var unit: String?
    public var minimum: Double?
    public var maximum: Double?
    public var maxLength: Int?
    /// For enums: a fixed list of values...
    public var values: [String]?
    /// ...or a class of world entities (`place`, `object`, `waypoint`, ...).
    public var entityClass: String?
    public var required: Bool
    public var defaultValue: ConfigValue?
    /// Set for array parameters: the value is a list of `kind` items, each within this parameter's
    /// range, length or values.
    public var list: ListShape?

    /// How many items an array parameter takes.
    ///
    /// An array of objects is written as columns, one list parameter per field (`stops[].city`,
    /// `stops[].nights`), item `i` of every column making object `i`. The first column leads: the others
    /// (`sameLengthAs` its name) hold exactly as many items, are given only with it, and a field the objects
    /// require is given whenever the lead is (`requiredWithLead`).
    public struct ListShape: Sendable, Equatable {
        public var minItems: Int
        public var maxItems: Int
        /// For a column after the first of an array of objects: the first column's name.
        public var sameLengthAs: String?
        /// For such a column: whether it must be given whenever the first column is.
        public var requiredWithLead: Bool
        public init(minItems: Int = 0, maxItems: Int = 16, sameLengthAs: String? = nil, requiredWithLead: Bool = false) {
            self.minItems = minItems
            self.maxItems = maxItems
            self.sameLengthAs = sameLengthAs
            self.requiredWithLead = requiredWithLead
        }
    }

    public init(name: String, kind: Kind, description: String = "", unit: String? = nil, minimum: Double? = nil, maximum: Double? = nil,
                maxLength: Int? = nil, values: [String]? = nil, entityClass: String? = nil, required: Bool = true, defaultValue: ConfigValue? = nil,
                list: ListShape? = nil) {
        self.name = name
        self.kind = kind
        self.description = description
        self.unit = unit
        self.minimum = minimum
        self.maximum = maximum
        self.maxLength = maxLength
        self.values = values
        self.entityClass = entityClass
        self.required = required
        self.defaultValue = defaultValue
        self.list = list
    }
}

/// A few-shot example: an instruction and the plan it should give.
public struct Example: Sendable, Equatable {
    public var instruction: String
    public var plan: [ActionCall]
}

/// One call of an action with its arguments (in the action's parameter order).
public struct ActionCall: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var name: String
    public var arguments: [Argument]

    public struct Argument: Sendable, Equatable, Hashable {
        public var name: String
        public var value: ConfigValue
        public init(_ name: String, _ value: ConfigValue) {
            self.name = name
            self.value = value
        }
    }

    public init(_ name: String, _ arguments: [Argument] = []) {
        self.name = name
        self.arguments = arguments
    }

    public subscript(_ argument: String) -> ConfigValue? { arguments.first { $0.name == argument }?.value }

    /// `navigate_to(target="kitchen")`
    public var description: String {
        "\(name)(" + arguments.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")"
    }
}

public struct Limits: Sendable, Equatable {
    /// The most actions in one plan.
    public var maxPlanActions: Int = 8
    /// The longest instruction accepted, in characters.
    public var maxInstructionLength: Int = 500
    /// Sensor readings older than this make plans that depend on where things are fall back
    /// (nil: no check; the world file is trusted).
    public var maxSensorAgeMs: Int?
    /// How long an action marked `requires_confirmation` waits for its `<robot>/confirm`.
    public var confirmationTimeoutMs: Int = 10_000
}

public struct ModelSettings: Sendable, Equatable {
    /// A bundled model name or a GGUF path.
    public var name: String = "smollm2-135m-fast"
    public var draftModel: String?
    public var contextLength: Int = 2048
    public var threads: Int = 2
    /// How the model's threads wait for work (0 sleep … 100 spin); nil: llama.cpp's default.
    public var poll: Int?
    /// The model threads' priority: low, normal, medium, high or realtime; nil: inherited.
    public var priority: String?
    public var temperature: Double = 0
    public var maxTokens: Int = 96
}

/// CurveZMQ for the bridge's endpoints: the node's key pair, the clients it admits, and the key pair the
/// command-line clients (`send`, `sim`, `mission --bridge`) use with this robot file. Paths are resolved
/// relative to the robot file.
public struct Security: Sendable, Equatable {
    /// The node's secret key file (`NAME.key_secret`); clients read the public one beside it (`NAME.key`).
    public var serverKey: String
    /// The folder of clients' public key files (`*.key`) the node admits; re-read on SIGHUP.
    public var allowedClients: String
    /// The secret key file the command-line clients present (nil: they need `--key`).
    public var clientKey: String?

    public init(serverKey: String, allowedClients: String, clientKey: String? = nil) {
        self.serverKey = serverKey
        self.allowedClients = allowedClients
        self.clientKey = clientKey
    }
}

/// What to do when a command misses its deadline.
public struct FallbackPolicy: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Send `stop()` (the robot holds still).
        case stop
        /// Send nothing and report the miss.
        case noAction = "no_action"
    }
    public var onDeadline: Kind = .stop
    /// The action sent by the `stop` policy and by the e-stop fast path.
    public var stopAction: String = "stop"
}
