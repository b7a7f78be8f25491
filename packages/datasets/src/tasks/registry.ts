import type { TaskDefinition } from './types';

const key = (name: string) => name.toLowerCase().replace(/_/g, '-');

/** Name -> task. Users add their own tasks through the same register() the built-ins use. */
export class TaskRegistry {
  private readonly byKey = new Map<string, TaskDefinition>();
  private readonly tasks: TaskDefinition[] = [];

  register(task: TaskDefinition, options: { replace?: boolean } = {}): void {
    const keys = [task.name, ...(task.aliases ?? [])].map(key);
    const existing = this.tasks.find((t) => t.name === task.name);
    if (existing && !options.replace) throw new Error(`task "${task.name}" is already registered (pass { replace: true } to replace it)`);
    for (const k of keys) {
      const owner = this.byKey.get(k);
      if (owner && owner.name !== task.name) throw new Error(`task name or alias "${k}" is already used by task "${owner.name}"`);
    }
    if (existing) {
      this.tasks.splice(this.tasks.indexOf(existing), 1);
      for (const [k, t] of this.byKey) if (t === existing) this.byKey.delete(k);
    }
    this.tasks.push(task);
    for (const k of keys) this.byKey.set(k, task);
  }

  has(name: string): boolean {
    return this.byKey.has(key(name));
  }

  get(name: string): TaskDefinition {
    const task = this.byKey.get(key(name));
    if (!task) throw new Error(`unknown task "${name}"; known tasks: ${this.names().join(', ')}`);
    return task;
  }

  names(): string[] {
    return this.tasks.map((t) => t.name);
  }

  list(): readonly TaskDefinition[] {
    return [...this.tasks];
  }
}
