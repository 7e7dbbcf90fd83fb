// Loads every type file, then builds the schema. Add new type files here.
import { builder } from './builder.ts';
import './scalars.ts';
import './viewer.ts';

export const schema = builder.toSchema({ sortSchema: true });
