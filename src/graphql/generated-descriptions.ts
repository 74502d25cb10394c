import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';

/**
 * Descriptions for fields that plugins generate without one and offer no option for:
 * the `totalCount` that plugin-prisma adds to connections. (Relay's own types and
 * fields are described through the relay options in builder.ts.)
 */
const TOTAL_COUNT = 'How many rows the whole connection holds, across all pages.';

export class GeneratedDescriptionsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (fieldConfig.description || !fieldConfig.extensions?.['pothosPrismaTotalCount']) return fieldConfig;
    return { ...fieldConfig, description: TOTAL_COUNT };
  }
}

const pluginName = 'generatedDescriptions';

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      generatedDescriptions: GeneratedDescriptionsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin(pluginName, GeneratedDescriptionsPlugin);

export default pluginName;
