import { readFileSync } from 'node:fs';
import { bicepFiles, bicepResources, parseBicep, propertyKey, propertyValue, stringValue } from './bicep-syntax.js';

/**
 * The NAMES of the Function App's app settings, read from the syntax tree of the `Microsoft.Web/sites/config`
 * resource named `appsettings` in `source`; undefined when the file declares none. The settings must be an object
 * literal with literal keys, so that they can be compared with the master's configuration schema.
 */
export async function appSettingNames(source: string): Promise<string[] | undefined> {
  const tree = await parseBicep(source);
  const configs = bicepResources(tree).filter(
    (resource) =>
      resource.type === 'Microsoft.Web/sites/config' &&
      resource.body !== undefined &&
      stringValue(propertyValue(resource.body, 'name')) === 'appsettings',
  );
  if (configs.length === 0) return undefined;
  if (configs.length > 1) throw new Error(`${configs.length} appsettings resources in one file; expected one`);
  const properties = configs[0]?.body && propertyValue(configs[0].body, 'properties');
  if (properties?.type !== 'object') {
    throw new Error('the appsettings properties must be an object literal, so that their names can be read');
  }
  return properties.namedChildren
    .filter((node) => node.type === 'object_property')
    .map((property) => {
      const name = propertyKey(property);
      if (name === undefined) throw new Error(`an app setting name is not a literal: ${property.text}`);
      return name;
    });
}

/** The master's app setting names, from the one `appsettings` resource among the Bicep files under `infraFolder`. */
export async function masterAppSettingNames(infraFolder = 'infra'): Promise<string[]> {
  const found: { file: string; names: string[] }[] = [];
  for (const file of bicepFiles(infraFolder)) {
    const names = await appSettingNames(readFileSync(file, 'utf8'));
    if (names) found.push({ file, names });
  }
  if (found.length !== 1 || !found[0]) {
    throw new Error(`expected exactly one appsettings resource under ${infraFolder}, found ${found.map((f) => f.file).join(', ') || 'none'}`);
  }
  return found[0].names;
}
