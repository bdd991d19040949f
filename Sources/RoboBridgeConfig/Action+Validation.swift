extension Action {
    /// Why `call` is not a valid call of this action, or nil when it is. Entity-class enums are
    /// checked against `world` when one is given.
    public func problem(with call: ActionCall, world: World?) -> String? {
        guard call.name == name else { return "expected action \(name), got \(call.name)" }
        var seen = Set<String>()
        for arg in call.arguments {
            guard seen.insert(arg.name).inserted else { return "\(name): argument \(arg.name) given twice" }
            guard let p = parameter(named: arg.name) else {
                let known = parameters.map(\.name)
                let hint = closest(to: arg.name, in: known).map { " (did you mean \($0)?)" } ?? ""
                return known.isEmpty ? "\(name) takes no arguments, got \(arg.name)"
                    : "\(name) has no parameter \(arg.name)\(hint); expected: \(known.joined(separator: ", "))"
            }
            if let problem = p.problem(with: arg.value, world: world) { return "\(name).\(arg.name): \(problem)" }
        }
        for p in parameters where p.required && !seen.contains(p.name) {
            return "\(name): missing required argument \(p.name)"
        }
        // The columns of an array of objects: given with their first column, with as many items.
        for p in parameters {
            guard let shape = p.list, let lead = shape.sameLengthAs else { continue }
            let given = call[p.name], leadValue = call[lead]
            if given != nil, leadValue == nil { return "\(name).\(p.name): given without \(lead), the first field of its objects" }
            if given == nil, leadValue != nil, shape.requiredWithLead { return "\(name): missing \(p.name), which every object of \(lead) needs" }
            if case .list(let items)? = given, case .list(let leading)? = leadValue, items.count != leading.count {
                return "\(name).\(p.name): expected \(leading.count) items, one per item of \(lead), got \(items.count)"
            }
        }
        return nil
    }

    /// The call with arguments in parameter order and defaults filled in.
    public func normalized(_ call: ActionCall) -> ActionCall {
        var args: [ActionCall.Argument] = []
        for p in parameters {
            guard var v = call[p.name] ?? p.defaultValue else { continue }
            if p.kind == .number, case .integer(let i) = v { v = .number(Double(i)) }
            if p.kind == .number, case .list(let items) = v {
                v = .list(items.map { if case .integer(let i) = $0 { .number(Double(i)) } else { $0 } })
            }
            args.append(.init(p.name, v))
        }
        return ActionCall(name, args)
    }
}

extension Parameter {
    /// Why `value` is not valid for this parameter, or nil when it is.
    public func problem(with value: ConfigValue, world: World?) -> String? {
        if let list {
            guard case .list(let items) = value else { return "expected a list of \(kindDescription), got \(value)" }
            guard items.count >= list.minItems, items.count <= list.maxItems else {
                return "expected \(list.minItems == list.maxItems ? "\(list.minItems)" : "\(list.minItems) to \(list.maxItems)") items, got \(items.count)"
            }
            var item = self
            item.list = nil
            for (i, v) in items.enumerated() {
                if let problem = item.problem(with: v, world: world) { return "item \(i): \(problem)" }
            }
            return nil
        }
        switch (kind, value) {
        case (.number, .number(let x)):
            return rangeProblem(x)
        case (.number, .integer(let i)):
            return rangeProblem(Double(i))
        case (.integer, .integer(let i)):
            return rangeProblem(Double(i))
        case (.boolean, .bool):
            return nil
        case (.string, .string(let s)):
            if let max = maxLength, s.count > max { return "expected at most \(max) characters, got \(s.count)" }
            return nil
        case (.enum, .string(let s)):
            if let values {
                return values.contains(s) ? nil : "expected one of \(values.joined(separator: ", ")), got \"\(s)\""
            }
            if let entityClass, let world {
                guard let members = world.entityClasses[entityClass] else {
                    return "the world \(world.id) has no entities of class \(entityClass)"
                }
                return members.contains(s) ? nil : "expected a \(entityClass) of the world \(world.id) (\(members.joined(separator: ", "))), got \"\(s)\""
            }
            return s.isEmpty ? "expected a \(entityClass ?? "value"), got an empty string" : nil
        default:
            return "expected \(kindDescription), got \(value)"
        }
    }

    private func rangeProblem(_ x: Double) -> String? {
        if let minimum, x < minimum { return "expected a value ≥ \(trim(minimum)), got \(trim(x))" }
        if let maximum, x > maximum { return "expected a value ≤ \(trim(maximum)), got \(trim(x))" }
        return nil
    }

    var kindDescription: String {
        switch kind {
        case .number: "a number"
        case .integer: "an integer"
        case .string: "a string"
        case .boolean: "true or false"
        case .enum: entityClass.map { "a \($0) name" } ?? "one of \(values?.joined(separator: ", ") ?? "")"
        }
    }
}

/// 0.5 → "0.5", 3.0 → "3"
func trim(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
}
