"""The policy gate: CrossGuard rules, an offline evaluator, waivers, baselines and reporters.

Entry points: ailz.policies.gate.gate() for Python callers, `ailz policy check` on the command line,
and this folder as a CrossGuard policy pack. Importing the package itself stays free of Pulumi.
"""
