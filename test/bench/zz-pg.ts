import { printTable } from './measure.js';
import { postgresBenchmarks } from './stores.js';

printTable(await postgresBenchmarks());
