export { scenarioProfile, type ScenarioProfile } from "./profile.js";
export {
  runScenario,
  scenarioEntitlements,
  scenarioSetup,
  type ScenarioCluster,
  type ScenarioInput,
  type ScenarioOutcome,
  type ScenarioSetup,
} from "./run.js";
