import { commonsenseTasks } from './commonsense';
import { tinyShakespeareTask } from './corpus';
import { convai2Task } from './dialogue';
import { gsm8kTask, mathTasks } from './math';
import { TaskRegistry } from './registry';
import type { TaskDefinition } from './types';

export function builtinTasks(): TaskDefinition[] {
  return [...commonsenseTasks(), gsm8kTask(), ...mathTasks(), convai2Task(), tinyShakespeareTask()];
}

/** The default registry, holding the built-in tasks; registerTask() adds to it. */
export const tasks = new TaskRegistry();
for (const t of builtinTasks()) tasks.register(t);

export function registerTask(task: TaskDefinition, options?: { replace?: boolean }): void {
  tasks.register(task, options);
}

export function getTask(name: string): TaskDefinition {
  return tasks.get(name);
}
