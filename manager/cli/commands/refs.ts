import { usageError } from '../errors.js';

/** `FOLDER/PROJECT`, as SSISDB addresses a project. */
export function parseProjectRef(text: string): { folderName: string; projectName: string } {
  const parts = text.split('/');
  if (parts.length !== 2 || parts.some((p) => p.trim() === '')) {
    throw usageError(`'${text}': expected FOLDER/PROJECT, e.g. Finance/ETL`);
  }
  return { folderName: parts[0]!, projectName: parts[1]! };
}

/** `FOLDER/PROJECT/PACKAGE`. */
export function parsePackageRef(text: string): { folderName: string; projectName: string; packageName: string } {
  const parts = text.split('/');
  if (parts.length !== 3 || parts.some((p) => p.trim() === '')) {
    throw usageError(`'${text}': expected FOLDER/PROJECT/PACKAGE, e.g. Finance/ETL/extract`);
  }
  return { folderName: parts[0]!, projectName: parts[1]!, packageName: parts[2]! };
}
