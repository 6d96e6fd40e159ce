import type { PermissionName } from '../../contracts/management/object-permissions.js';
import type { Catalog, SecurableRef } from '../catalog/catalog.js';
import type { EffectivePermissions } from '../catalog/domain.js';
import { HttpProblem, ProblemType } from '../http/problem.js';
import type { ManagementCaller } from './management-authenticator.js';

const keyOf = (ref: { objectType: string; folderName: string; objectName?: string | null | undefined }) =>
  `${ref.objectType}:${ref.folderName}/${ref.objectName ?? ''}`.toLowerCase();

const describe = (ref: SecurableRef) => `${ref.objectType} '${ref.objectName ? `${ref.folderName}/${ref.objectName}` : ref.folderName}'`;

/**
 * What one management caller may do on folders, projects and environments: its role says it may use the catalog,
 * its object permissions say on what. An admin (ssis_admin) may do everything. Read once per request.
 */
export class CallerPermissions {
  #effective: Promise<Map<string, ReadonlySet<PermissionName>>> | undefined;

  constructor(
    private readonly catalog: Catalog,
    readonly caller: ManagementCaller,
  ) {}

  get isAdmin(): boolean {
    return this.caller.role === 'admin';
  }

  /** The principal given every permission on what the caller creates; none for an admin, who needs none. */
  get creator(): string | undefined {
    return this.isAdmin ? undefined : this.caller.principals[0];
  }

  async may(permission: PermissionName, ref: SecurableRef): Promise<boolean> {
    if (this.isAdmin) return true;
    return (await this.#load()).get(keyOf(ref))?.has(permission) ?? false;
  }

  /** Refuses with a 403 naming the permission and the object the caller lacks. */
  async require(permission: PermissionName, ref: SecurableRef): Promise<void> {
    if (await this.may(permission, ref)) return;
    throw new HttpProblem({
      type: ProblemType.forbidden,
      title: 'Forbidden',
      status: 403,
      detail: `this needs ${permission} on ${describe(ref)}; ${this.caller.actor} does not have it`,
    });
  }

  /**
   * Deploying a project or creating an environment: MODIFY on it when it exists, else CREATE_OBJECTS on its
   * folder when the folder exists; a new folder may be made by any caller whose role may change the catalog, and
   * is then its creator's.
   */
  async requireToCreateOrModify(ref: FolderObjectRef): Promise<void> {
    if (this.isAdmin) return;
    const folders = await this.catalog.listFolders();
    const folder = folders.find((f) => f.name.toLowerCase() === ref.folderName.toLowerCase());
    if (!folder) return;
    const names =
      ref.objectType === 'project'
        ? (await this.catalog.listProjects(folder.name)).map((p) => p.projectName)
        : (await this.catalog.listEnvironments(folder.name)).map((e) => e.name);
    if (names.some((name) => name.toLowerCase() === ref.objectName.toLowerCase())) await this.require('MODIFY', ref);
    else await this.require('CREATE_OBJECTS', folderRef(ref.folderName));
  }

  /** The items whose object the caller may read (every one for an admin). */
  async readable<T>(items: readonly T[], objectOf: (item: T) => SecurableRef): Promise<T[]> {
    if (this.isAdmin) return [...items];
    const effective = await this.#load();
    return items.filter((item) => effective.get(keyOf(objectOf(item)))?.has('READ') ?? false);
  }

  /** The projects whose executions the caller may read; undefined for an admin, who may read them all. */
  async readableProjects(): Promise<{ folderName: string; projectName: string }[] | undefined> {
    if (this.isAdmin) return undefined;
    return (await this.list())
      .filter((e) => e.objectType === 'project' && e.permissions.includes('READ'))
      .map((e) => ({ folderName: e.folderName, projectName: e.objectName ?? '' }));
  }

  /**
   * Running a project's package (an execution or a schedule): EXECUTE on the project, and READ on the environment
   * whose variables the execution takes when it names one of the project's references.
   */
  async requireToExecute(folderName: string, projectName: string, referenceId: number | undefined): Promise<void> {
    await this.require('EXECUTE', projectRef(folderName, projectName));
    if (referenceId === undefined || this.isAdmin) return;
    const reference = (await this.catalog.listEnvironmentReferences(folderName, projectName)).find((r) => r.referenceId === referenceId);
    // An unknown reference is the catalog's to refuse, naming it.
    if (reference) await this.require('READ', environmentRef(reference.environmentFolderName ?? folderName, reference.environmentName));
  }

  /** The caller's effective permissions, object by object (catalog.effective_object_permissions). */
  list(): Promise<EffectivePermissions[]> {
    return this.catalog.getEffectivePermissions(this.caller.principals);
  }

  #load(): Promise<Map<string, ReadonlySet<PermissionName>>> {
    this.#effective ??= this.list().then((all) => new Map(all.map((e) => [keyOf(e), new Set(e.permissions)])));
    return this.#effective;
  }
}

export const folderRef = (folderName: string): SecurableRef => ({ objectType: 'folder', folderName });
/** A project or an environment: an object inside its folder. */
type FolderObjectRef = SecurableRef & { objectName: string };

export const projectRef = (folderName: string, projectName: string): FolderObjectRef => ({ objectType: 'project', folderName, objectName: projectName });
export const environmentRef = (folderName: string, environmentName: string): FolderObjectRef => ({
  objectType: 'environment',
  folderName,
  objectName: environmentName,
});
