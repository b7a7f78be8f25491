import { commonsenseTasks } from './commonsense';
import { tinyShakespeareTask } from './corpus';
import { convai2Task } from './dialogue';
import { gsm8kTask, mathTasks } from './math';
import { TaskRegistry } from './registry';
import type { TaskDefinition } from './types';

export function builtinTasks(): TaskDefinition[] {
  return [...commonsenseTasks(), gsm8kTask(), ...mathTasks(), convai2Task(), tinyShakespeareTask()];
}

/**
 * The default registry, holding the built-in tasks; registerTask() adds to it. It lives on
 * globalThis under a registered symbol because the package's entries (".", "./node", ESM and CJS)
 * are separate bundles: a task a user registers through one must be found by name through the others.
 */
const REGISTRY_KEY = Symbol.for('@smoa/datasets/tasks');
type WithRegistry = typeof globalThis & { [REGISTRY_KEY]?: TaskRegistry };
export const tasks: TaskRegistry = ((globalThis as WithRegistry)[REGISTRY_KEY] ??= (() => {
  const registry = new TaskRegistry();
  for (const t of builtinTasks()) registry.register(t);
  return registry;
})());

export function registerTask(task: TaskDefinition, options?: { replace?: boolean }): void {
  tasks.register(task, options);
}

export function getTask(name: string): TaskDefinition {
  return tasks.get(name);
}
